package aegis.memory;

import aegis.config.Settings;

/**
 * {@code AEGIS_MEMORY_ITEMS} (5): how many earlier answers, and how many remembered facts, a
 * prompt's {@code {{memory}}} holds at most; 0 leaves {@code {{memory}}} empty.
 */
public record MemorySettings(int items) {
    public static final String ITEMS = "AEGIS_MEMORY_ITEMS";

    public static MemorySettings from(Settings s) {
        return new MemorySettings(s.integer(ITEMS, 5, 0, 50));
    }
}
