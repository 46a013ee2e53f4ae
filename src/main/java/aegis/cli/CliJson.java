package aegis.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micronaut.jackson.ObjectMapperFactory;

/**
 * The command line's one JSON mapper. Commands run outside the application context, so it is
 * made by the factory that makes the context's {@code ObjectMapper} bean, with the same defaults:
 * {@code aegis status --json} prints what {@code GET /status} answers.
 */
final class CliJson {
    private static final ObjectMapper MAPPER = new ObjectMapperFactory().objectMapper(null, null);

    private CliJson() {
    }

    static ObjectMapper mapper() {
        return MAPPER;
    }

    static String compact(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    static String pretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not be written as JSON: " + e.getOriginalMessage(), e);
        }
    }
}
