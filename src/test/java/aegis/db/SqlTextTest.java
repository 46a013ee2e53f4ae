package aegis.db;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlTextTest {
    @Test
    void theSamePartsGiveTheSameInstanceAndOthersTheirOwnText() {
        String a = SqlText.of("WITH done AS (", "UPDATE t SET x = 1", ")", " SELECT 1");
        String b = SqlText.of("WITH done AS (", "UPDATE t SET x = 1", ")", " SELECT 1");
        String c = SqlText.of("WITH done AS (", "UPDATE t SET x = 2", ")", " SELECT 1");
        assertThat(a).isEqualTo("WITH done AS (UPDATE t SET x = 1) SELECT 1").isSameAs(b);
        assertThat(c).isEqualTo("WITH done AS (UPDATE t SET x = 2) SELECT 1");
        assertThat(SqlText.of("a", "bc")).as("parts, not their concatenation, are the key").isEqualTo("abc")
                .isNotSameAs(SqlText.of("ab", "c")).isEqualTo(SqlText.of("ab", "c"));
    }
}
