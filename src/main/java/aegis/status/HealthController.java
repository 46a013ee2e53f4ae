package aegis.status;

import aegis.db.Jdbc;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.sql.Connection;
import java.sql.SQLException;

/** Liveness for load balancers and systemd: UP while the database answers. */
@Controller
public class HealthController {
    private final Jdbc jdbc;

    public HealthController(Jdbc jdbc) {
        this.jdbc = jdbc;
    }

    public record Health(String status) {
    }

    @Get("/health")
    @ExecuteOn(TaskExecutors.BLOCKING)
    public HttpResponse<Health> health() {
        try (Connection c = jdbc.dataSource().getConnection()) {
            if (c.isValid(2)) {
                return HttpResponse.ok(new Health("UP"));
            }
        } catch (SQLException e) {
            // fall through: the database does not answer
        }
        return HttpResponse.<Health>status(HttpStatus.SERVICE_UNAVAILABLE).body(new Health("DOWN"));
    }
}
