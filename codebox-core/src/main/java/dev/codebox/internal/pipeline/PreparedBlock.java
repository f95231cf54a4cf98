package dev.codebox.internal.pipeline;

import dev.codebox.Language;
import java.nio.file.Path;

/**
 * A code block ready to be written and run.
 *
 * @param language the language it runs in
 * @param code the code to write (after {@code pip install} lines were silenced)
 * @param file where to write it, inside the work dir
 * @param relativeName the file name relative to the work dir, with {@code /} separators
 * @param namedByContent whether the name is {@code tmp_code_<sha256 of the code>}, not a {@code # filename:}
 */
public record PreparedBlock(Language language, String code, Path file, String relativeName, boolean namedByContent) {
}
