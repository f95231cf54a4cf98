package dev.codebox.markdown;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.codebox.CodeBlock;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodeBlockExtractorTest {

    @Test
    void backtickAndTildeFences() {
        String message = "Run this:\n```python\nprint(1)\n```\nthen\n~~~bash\necho 2\n~~~\n";
        assertEquals(List.of(CodeBlock.python("print(1)"), CodeBlock.bash("echo 2")), CodeBlockExtractor.extract(message));
    }

    @Test
    void languageTagWithExtraWords() {
        assertEquals(List.of(CodeBlock.python("x = 1")),
                CodeBlockExtractor.extract("```python title=\"x.py\" linenums\nx = 1\n```"));
        assertEquals(List.of(new CodeBlock("python", "x = 1")), CodeBlockExtractor.extract("```{python}\nx = 1\n```"));
        assertEquals(List.of(new CodeBlock("py", "x = 1")), CodeBlockExtractor.extract("``` .py\nx = 1\n```"));
        assertEquals(List.of(new CodeBlock("python", "x = 1")), CodeBlockExtractor.extract("```Python\nx = 1\n```"));
    }

    @Test
    void crlfLineEnds() {
        assertEquals(List.of(CodeBlock.python("a = 1\nprint(a)")),
                CodeBlockExtractor.extract("Here:\r\n```python\r\na = 1\r\nprint(a)\r\n```\r\n"));
    }

    @Test
    void indentedFencesInListItems() {
        String message = "1. First:\n   ```python\n   for i in range(2):\n       print(i)\n   ```\n2. Done\n"
                + "    - nested:\n        ```bash\n        echo hi\n        ```\n";
        assertEquals(List.of(CodeBlock.python("for i in range(2):\n    print(i)"), CodeBlock.bash("echo hi")),
                CodeBlockExtractor.extract(message));
    }

    @Test
    void longerFencesHoldShorterOnes() {
        String message = "````markdown\n```python\nprint(1)\n```\n````\n";
        assertEquals(List.of(new CodeBlock("markdown", "```python\nprint(1)\n```")), CodeBlockExtractor.extract(message));
    }

    @Test
    void blocksWithoutLanguageAreInferred() {
        assertEquals("python", CodeBlockExtractor.extract("```\nprint('x')\n```").get(0).language());
        assertEquals("sh", CodeBlockExtractor.extract("```\npip install numpy\n```").get(0).language());
        assertEquals("sh", CodeBlockExtractor.extract("```\n$ ls -la\n```").get(0).language());
        assertEquals("bash", CodeBlockExtractor.extract("```\n#!/bin/bash\necho x\n```").get(0).language());
        assertEquals("bash", CodeBlockExtractor.extract("```\n#!/usr/bin/env bash\necho x\n```").get(0).language());
        assertEquals("python", CodeBlockExtractor.extract("```\n#!/usr/bin/env python3\nprint(1)\n```").get(0).language());
        assertEquals("sh", CodeBlockExtractor.extract("```\n#!/bin/sh\necho x\n```").get(0).language());
        assertEquals("python", CodeBlockExtractor.extract("```\nset([1, 2])\n```").get(0).language());
    }

    @Test
    void unclosedFenceStartsNoBlock() {
        assertEquals(List.of(CodeBlock.python("print(1)")),
                CodeBlockExtractor.extract("```python\nprint(1)\n```\n```python\nprint(2)\n"));
    }

    @Test
    void inlineTripleBackticksAreNotFences() {
        assertEquals(List.of(), CodeBlockExtractor.extract("use ```code``` inline\nnothing else"));
    }

    @Test
    void emptyBlockAndNoBlocks() {
        assertEquals(List.of(new CodeBlock("python", "")), CodeBlockExtractor.extract("```python\n```"));
        assertEquals(List.of(), CodeBlockExtractor.extract("no code here"));
    }

    @Test
    void filterByAcceptedLanguagesComparesCanonicalNames() {
        String message = "```py\na\n```\n```sh\nb\n```\n```javascript\nc\n```\n```shell\nd\n```";
        assertEquals(List.of(new CodeBlock("py", "a"), new CodeBlock("sh", "b"), new CodeBlock("shell", "d")),
                CodeBlockExtractor.extract(message, List.of("python", "sh")));
        assertEquals(List.of(new CodeBlock("javascript", "c")), CodeBlockExtractor.extract(message, List.of("JavaScript")));
    }
}
