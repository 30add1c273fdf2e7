package org.openpair.guardian;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ProcessNameTest {

    @ParameterizedTest
    @CsvSource({"$SRV,$SRV", "srv,$SRV", "$a,$A", "$Ab1c2,$AB1C2", "Z9999,$Z9999", "$x,$X"})
    void validNames_areFoldedToUpperCase(String text, String shown) {
        assertThat(ProcessName.of(text)).hasToString(shown);
        assertThat(ProcessName.of(text)).isEqualTo(ProcessName.of(shown));
        assertThat(ProcessName.of(text).bare()).isEqualTo(shown.substring(1));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"$", "$ABCDEF", "ABCDEF", "$1ABC", "1ABC", "$A-B", "$A B", "$A_B", "$ÄBC", "$$AB", "$AB.C"})
    void invalidNames_areError13_withTheRuleNamed(String text) {
        assertThatThrownBy(() -> ProcessName.of(text))
                .isInstanceOfSatisfying(GuardianException.class, e -> {
                    assertThat(e.error()).isEqualTo(13);
                    assertThat(e.guardianError()).isEqualTo(GuardianError.BAD_NAME);
                    assertThat(e.getMessage()).startsWith("illegal process name");
                    assertThat(e.oneLine()).startsWith("error 13 ");
                });
    }

    @org.junit.jupiter.api.Test
    void eachRuleHasItsOwnMessage() {
        assertThat(message("$")).contains("1 to 5");
        assertThat(message("$ABCDEF")).contains("at most 5").contains("6");
        assertThat(message("$1AB")).contains("must be a letter");
        assertThat(message("$A-B")).contains("'-'");
    }

    private static String message(String text) {
        try {
            ProcessName.of(text);
            throw new AssertionError("accepted " + text);
        } catch (GuardianException e) {
            return e.getMessage();
        }
    }
}
