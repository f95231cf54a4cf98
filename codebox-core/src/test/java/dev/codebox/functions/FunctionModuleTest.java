package dev.codebox.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeExecutorException;
import dev.codebox.internal.FunctionsSetup;
import java.util.List;
import org.junit.jupiter.api.Test;

class FunctionModuleTest {

    private static final PythonFunction LOAD = PythonFunction.builder("""
            @cache
            def load_data(path: str) -> list:
                \"""Reads the lines of PATH.\"""
                return Path(path).read_text().splitlines()
            """).imports("from pathlib import Path", "from functools import cache").requirements("numpy").build();
    private static final PythonFunction SQUARE = PythonFunction.builder("def square(x: float) -> float:\n    return x * x\n")
            .imports("from __future__ import annotations", "from pathlib import Path").requirements("numpy", "pandas").build();

    @Test
    void moduleNamesMustBeIdentifiersAndNotKeywords() {
        assertEquals("tools", FunctionModule.of(LOAD).named("tools").name());
        assertEquals("données_2", FunctionModule.of(LOAD).named("données_2").name());
        for (String bad : List.of("", "2fast", "my-module", "a.b", "class", "None", "with space")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FunctionModule.of(LOAD).named(bad));
            assertTrue(e.getMessage().contains("must be a Python identifier that is not a keyword"), e.getMessage());
        }
    }

    @Test
    void functionNamesMustBeDistinct() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FunctionModule.of(LOAD, LOAD));
        assertTrue(e.getMessage().contains("two functions are named 'load_data'"), e.getMessage());
    }

    @Test
    void sourceHasFutureImportsFirstThenTheFunctions() {
        FunctionModule module = FunctionModule.of(LOAD, SQUARE);
        assertEquals(List.of("numpy", "pandas"), module.requirements());
        assertEquals(List.of("from __future__ import annotations", "from pathlib import Path", "from functools import cache"),
                module.imports());
        String source = module.source();
        assertTrue(source.startsWith("# "), source);
        assertTrue(source.contains("\nfrom __future__ import annotations\nfrom pathlib import Path\nfrom functools import cache\n\n\n@cache\ndef load_data"), source);
        assertTrue(source.endsWith("\n\n\ndef square(x: float) -> float:\n    return x * x\n"), source);
        assertEquals("functions.py", module.fileName());
    }

    @Test
    void promptNamesTheModuleAndShowsStubs() {
        String prompt = FunctionsPrompt.render(FunctionModule.of(LOAD, SQUARE).named("tools"));
        assertTrue(prompt.contains("module `tools`"), prompt);
        assertTrue(prompt.contains("\nfrom tools import load_data, square\n"), prompt);
        assertTrue(prompt.contains("```python\ndef load_data(path: str) -> list:\n    \"\"\"Reads the lines of PATH.\"\"\"\n    ...\n\n\n"
                + "def square(x: float) -> float:\n    ...\n```\n"), prompt);
        assertEquals("", FunctionsPrompt.render(FunctionModule.none()));
    }

    @Test
    void aFileBecomesOneFunctionPerTopLevelDefAndKeepsItsOtherStatementsInOrder() {
        FunctionsFile file = FunctionsFile.parse("""
                \"""Tools.\"""
                import json
                from os import path as p  # a comment

                LIMIT = 3


                @decorated
                def first(a):
                    \"""First.\"""
                    return json.dumps(a)

                class Helper:
                    def method(self):
                        pass

                async def second(b=LIMIT):
                    return b

                ALIASES = {"one": first}
                """, List.of("requests"));
        assertEquals(List.of("first", "second"), file.functions().stream().map(PythonFunction::name).toList());
        assertEquals(List.of("import json", "from os import path as p  # a comment"), file.functions().get(0).imports());
        assertEquals(List.of("requests"), file.functions().get(1).requirements());
        assertEquals("\"\"\"Tools.\"\"\"\n\n\nLIMIT = 3\n\n\n@decorated\ndef first(a):\n    \"\"\"First.\"\"\"\n    return json.dumps(a)",
                file.functions().get(0).source());
        assertEquals("class Helper:\n    def method(self):\n        pass\n\n\nasync def second(b=LIMIT):\n    return b\n\n\n"
                + "ALIASES = {\"one\": first}", file.functions().get(1).source());
        assertEquals("async def second(b=LIMIT):\n    ...", file.functions().get(1).stub());
        assertThrows(IllegalArgumentException.class, () -> FunctionsFile.parse("x = 1\n", List.of()));
    }

    @Test
    void setupFailuresAreReadFromTheMarker() {
        CodeExecutorException pip = assertThrows(CodeExecutorException.class, () -> FunctionsSetup.check(3,
                "noise\n" + FunctionsSetup.FAILURE_MARKER + "pip install failed\nERROR: No matching distribution\n\n"));
        assertEquals("pip install failed: ERROR: No matching distribution", pip.getMessage());
        CodeExecutorException other = assertThrows(CodeExecutorException.class, () -> FunctionsSetup.check(127, "not found\n"));
        assertEquals("functions could not be set up (exit code 127): not found", other.getMessage());
        FunctionsSetup.check(0, "");
    }

    @Test
    void pythonsOwnParserReportsSyntaxErrorsWithTheirLine() {
        java.nio.file.Path python = dev.codebox.testing.TestPython.path();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FunctionsFile.checkSyntax("import os\n\ndef broken(:\n    pass\n", "tools.py", python));
        assertTrue(e.getMessage().startsWith("line 3: SyntaxError: "), e.getMessage());
        FunctionsFile.checkSyntax("def fine(x):\n    return x\n", "tools.py", python);
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> FunctionsFile.checkSyntax("x = 1", "tools.py", java.nio.file.Path.of("/nonexistent/python3")));
        assertTrue(missing.getMessage().contains("cannot run /nonexistent/python3"), missing.getMessage());
    }
}
