package org.openpair.emulator.link;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A NACK's code names its refusal by the code itself, whatever order the constants are declared in. */
class VerdictTest {

    @Test
    void everyRefusal_isReadBackFromItsCode() {
        for (Verdict v : Verdict.values()) {
            if (v != Verdict.ACCEPT) {
                assertThat(Verdict.ofCode(v.code())).isEqualTo(v);
            }
        }
    }

    @Test
    void acceptAndUnknownCodes_areNoRefusal() {
        assertThat(Verdict.ofCode(Verdict.ACCEPT.code())).isNull();
        assertThat(Verdict.ofCode((byte) 7)).isNull();
        assertThat(Verdict.ofCode((byte) -1)).isNull();
    }
}
