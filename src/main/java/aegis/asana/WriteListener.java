package aegis.asana;

/**
 * Hears of every write the Asana client makes (the audit trail implements it, outside this
 * package). Called on the writing thread right after the call: it must return at once.
 */
public interface WriteListener {
    void written(AsanaWrite write);
}
