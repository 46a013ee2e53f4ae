package aegis.agent;

/** A prompt ready for an agent, with the template version it came from (null ids for none). */
public record RenderedPrompt(Long templateId, String templateName, Integer version, String system, String user) {
}
