package org.openpair.guardian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpawnRequestTest {

    @Test
    void defaults_anyCpuPriority150NoName() {
        SpawnRequest r = SpawnRequest.of(Program.executable("sleep")).build();
        assertThat(r.cpu()).isEqualTo(SpawnRequest.ANY_CPU);
        assertThat(r.priority()).isEqualTo(150);
        assertThat(r.name()).isNull();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 200, -5})
    void priorityOutOf1To199_isError2(int pri) {
        assertThatThrownBy(() -> SpawnRequest.of(Program.executable("sleep")).priority(pri))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(2));
    }

    @ParameterizedTest
    @ValueSource(ints = {16, -3, 100})
    void cpuOutOfRange_isError2(int cpu) {
        assertThatThrownBy(() -> SpawnRequest.of(Program.executable("sleep")).cpu(cpu))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(2));
    }

    @Test
    void badNameOrEnvironment_isRefusedAtBuildTime() {
        assertThatThrownBy(() -> SpawnRequest.of(Program.executable("sleep")).name("$TOOLONG"))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(13));
        assertThatThrownBy(() -> SpawnRequest.of(Program.executable("sleep")).env("A=B", "c"))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(2));
        assertThatThrownBy(() -> Program.executable(" "))
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(2));
    }

    @Test
    void onCpu_keepsEverythingElse() {
        SpawnRequest r = SpawnRequest.of(Program.hosted("a.B")).name("x").priority(10).args("1", "2").env("K", "V")
                .classPath(java.util.List.of("/opt/a.jar", "/opt/classes")).build();
        SpawnRequest moved = r.onCpu(3);
        assertThat(moved.cpu()).isEqualTo(3);
        assertThat(moved.name()).isEqualTo(r.name());
        assertThat(moved.priority()).isEqualTo(10);
        assertThat(moved.args()).containsExactly("1", "2");
        assertThat(moved.env()).containsEntry("K", "V");
        assertThat(moved.classPath()).containsExactly("/opt/a.jar", "/opt/classes");
        assertThat(moved.withName(ProcessName.of("$Y")).classPath()).containsExactly("/opt/a.jar", "/opt/classes");
    }

    @Test
    void classPath_keepsOrderAcrossCalls_andDefaultsToEmpty() {
        assertThat(SpawnRequest.of(Program.hosted("a.B")).build().classPath()).isEmpty();
        SpawnRequest r = SpawnRequest.of(Program.java("a.B")).classPath(java.util.List.of("/b.jar"))
                .classPath(java.util.List.of("/a.jar")).build();
        assertThat(r.classPath()).containsExactly("/b.jar", "/a.jar");
        assertThat(r.toString()).contains("/CLASSPATH /b.jar:/a.jar");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "lib/a.jar", "./a.jar", "/a.jar:/b.jar"})
    void classPathEntryBlankRelativeOrJoined_isError2WithTheEntryNamed(String entry) {
        assertThatThrownBy(() -> SpawnRequest.of(Program.hosted("a.B")).classPath(java.util.List.of("/ok.jar", entry)))
                .isInstanceOfSatisfying(GuardianException.class, e -> {
                    assertThat(e.error()).isEqualTo(2);
                    assertThat(e.getMessage()).contains(entry.isBlank() ? "empty" : entry);
                });
    }

    @Test
    void classPathOfAnExecutable_isError2() {
        assertThatThrownBy(() -> SpawnRequest.of(Program.executable("sleep")).classPath(java.util.List.of("/a.jar"))
                .build())
                .isInstanceOfSatisfying(GuardianException.class, e -> assertThat(e.error()).isEqualTo(2));
    }
}
