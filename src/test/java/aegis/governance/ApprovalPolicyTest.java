package aegis.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import aegis.config.ApprovalSettings;
import aegis.config.ConfigException;
import aegis.config.ProjectSettings;
import aegis.config.Settings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The approval rules, read from settings as the daemon reads them, and how a reply is understood. */
class ApprovalPolicyTest {
    private static final String BOT = "100";
    private static final String DANA = "200";
    private static final String SAM = "300";

    private static ApprovalPolicy policy(Map<String, Object> settings) {
        Settings s = Settings.of(settings);
        ProjectSettings.read(s);
        return new ApprovalPolicy(ApprovalSettings.read(s));
    }

    private static final ApprovalPolicy POLICY = policy(Map.of("AEGIS_APPROVAL_TIMEOUT", "2d", "projects", Map.of(
            "1", Map.of("approval", "before_run", "approvers", List.of(DANA)),
            "2", Map.of("approval", "before_finish", "approval_timeout", "90m"),
            "3", Map.of("agent", "echo"))));

    @Test
    void repliesAreReadFromTheirFirstWord() {
        assertThat(ApprovalReply.parse("approve")).isInstanceOf(ApprovalReply.Approve.class);
        assertThat(ApprovalReply.parse("  Approved, thanks")).isInstanceOf(ApprovalReply.Approve.class);
        assertThat(ApprovalReply.parse("YES")).isInstanceOf(ApprovalReply.Approve.class);
        assertThat(ApprovalReply.parse("lgtm!")).isInstanceOf(ApprovalReply.Approve.class);
        assertThat(ApprovalReply.parse("reject")).isEqualTo(new ApprovalReply.Reject(""));
        assertThat(ApprovalReply.parse("No — use the EU region\nand say why"))
                .isEqualTo(new ApprovalReply.Reject("use the EU region\nand say why"));
        assertThat(ApprovalReply.parse("Rejected: too expensive")).isEqualTo(new ApprovalReply.Reject("too expensive"));
        // A word that merely starts like one, or comes later, decides nothing.
        assertThat(ApprovalReply.parse("nobody asked for this")).isInstanceOf(ApprovalReply.Other.class);
        assertThat(ApprovalReply.parse("yesterday it broke")).isInstanceOf(ApprovalReply.Other.class);
        assertThat(ApprovalReply.parse("I approve")).isInstanceOf(ApprovalReply.Other.class);
        assertThat(ApprovalReply.parse("")).isInstanceOf(ApprovalReply.Other.class);
        assertThat(ApprovalReply.parse(null)).isInstanceOf(ApprovalReply.Other.class);
    }

    @Test
    void stagesComeFromTheProjectAndTheApproveTag() {
        assertThat(POLICY.stagesFor("1", List.of())).containsExactly(ApprovalStage.BEFORE_RUN);
        assertThat(POLICY.stagesFor("2", List.of())).containsExactly(ApprovalStage.BEFORE_FINISH);
        assertThat(POLICY.stagesFor("3", List.of("aegis:llm"))).isEmpty();
        assertThat(POLICY.stagesFor("unconfigured", List.of())).isEmpty();
        assertThat(POLICY.stagesFor("3", List.of("Aegis:Approve"))).containsExactly(ApprovalStage.BEFORE_RUN);
        assertThat(POLICY.stagesFor("2", List.of("aegis:approve")))
                .isEqualTo(Set.of(ApprovalStage.BEFORE_RUN, ApprovalStage.BEFORE_FINISH));
    }

    @Test
    void timeoutsArePerProjectWithAGlobalDefault() {
        assertThat(POLICY.timeoutFor("1")).isEqualTo(Duration.ofDays(2));
        assertThat(POLICY.timeoutFor("2")).isEqualTo(Duration.ofMinutes(90));
        assertThat(POLICY.timeoutFor("unconfigured")).isEqualTo(Duration.ofDays(2));
        assertThat(policy(Map.of()).timeoutFor("x")).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void onlyListedApproversDecideAndTheBotNever() {
        assertThat(POLICY.judge("1", DANA, BOT, "approve")).isInstanceOf(ApprovalPolicy.Verdict.Approve.class);
        assertThat(POLICY.judge("1", SAM, BOT, "approve")).isInstanceOf(ApprovalPolicy.Verdict.NotAnApprover.class);
        assertThat(POLICY.judge("1", SAM, BOT, "reject")).isInstanceOf(ApprovalPolicy.Verdict.NotAnApprover.class);
        assertThat(POLICY.judge("1", SAM, BOT, "what does it cost?")).isInstanceOf(ApprovalPolicy.Verdict.FollowUp.class);
        // No approvers listed: anyone but the bot.
        assertThat(POLICY.judge("2", SAM, BOT, "reject: shorter please"))
                .isEqualTo(new ApprovalPolicy.Verdict.Reject("shorter please"));
        assertThat(POLICY.judge("2", BOT, BOT, "approve")).isInstanceOf(ApprovalPolicy.Verdict.NotAnApprover.class);
        assertThat(POLICY.judge("2", null, BOT, "approve")).isInstanceOf(ApprovalPolicy.Verdict.NotAnApprover.class);
    }

    @Test
    void badSettingsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> policy(Map.of("projects", Map.of("1", Map.of("approval", "always")))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("projects.1.approval")
                .hasMessageContaining("none, before_run or before_finish");
        assertThatThrownBy(() -> policy(Map.of("projects", Map.of("1", Map.of("approvers", "200")))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("projects.1.approvers");
        assertThatThrownBy(() -> policy(Map.of("projects", Map.of("1", Map.of("approval_timeout", "7")))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("projects.1.approval_timeout");
        assertThatThrownBy(() -> policy(Map.of("AEGIS_APPROVAL_TIMEOUT", "soon")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("AEGIS_APPROVAL_TIMEOUT");
    }
}
