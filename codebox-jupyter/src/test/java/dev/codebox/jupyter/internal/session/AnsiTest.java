package dev.codebox.jupyter.internal.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AnsiTest {

    @Test
    void removesColoursAndKeepsText() {
        assertEquals("ValueError: boom", Ansi.strip("\u001B[0;31mValueError\u001B[0m: boom"));
        assertEquals("plain", Ansi.strip("plain"));
    }
}
