package dev.codebox.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What to measure and how many times.
 *
 * @param json print one JSON object instead of the table
 * @param only the one backend to measure (local, sandbox, docker, kubernetes, jupyter, mcp or cli), or empty for all
 * @param iterations measured iterations per latency figure (and blocks per concurrency round)
 * @param warmup unmeasured iterations before them
 * @param rounds repetitions of the longer measurements (a batch of blocks, a concurrency round,
 *     a container or kernel start)
 * @param batchBlocks how many blocks the "in one run" figure runs in one execute call
 * @param python the Python interpreter both codebox and the baselines use
 */
record BenchOptions(boolean json, Optional<String> only, int iterations, int warmup, int rounds,
                    int batchBlocks, Path python) {

    /** The backends {@code --only} accepts. */
    static final Set<String> BACKENDS = Set.of("local", "sandbox", "docker", "kubernetes", "jupyter", "mcp", "cli");

    static final String USAGE = "usage: bench [--json] [--only local|sandbox|docker|kubernetes|jupyter|mcp|cli] [--iterations N] "
            + "[--warmup N] [--rounds N] [--batch N] [--python PATH]";

    /** Debian's interpreter starts in about 12 ms; a pyenv shim on PATH is many times slower. */
    private static final Path DEBIAN_PYTHON = Path.of("/usr/bin/python3");

    BenchOptions {
        if (iterations < 1 || warmup < 0 || rounds < 1 || batchBlocks < 1) {
            throw new IllegalArgumentException("iterations, rounds and batch must be at least 1, warmup at least 0");
        }
        only.ifPresent(backend -> {
            if (!BACKENDS.contains(backend)) {
                throw new IllegalArgumentException("--only takes local, sandbox, docker, kubernetes, jupyter, mcp or cli, not " + backend);
            }
        });
    }

    /** Whether {@code backend} is to be measured. */
    boolean includes(String backend) {
        return only.isEmpty() || only.get().equals(backend);
    }

    /**
     * Parses the command line; defaults: 200 iterations, a tenth of them (at least 5) as warm-up,
     * 3 rounds, batches of 200 blocks, {@code /usr/bin/python3} when present.
     *
     * @throws IllegalArgumentException for an unknown flag or a bad value
     */
    static BenchOptions parse(String... args) {
        boolean json = false;
        String only = null;
        int iterations = 200;
        Integer warmup = null;
        int rounds = 3;
        int batch = 200;
        Path python = Files.isExecutable(DEBIAN_PYTHON) ? DEBIAN_PYTHON : Path.of("python3");
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            switch (flag) {
                case "--json":
                    json = true;
                    break;
                case "--only":
                    only = value(args, ++i, flag).toLowerCase(Locale.ROOT);
                    break;
                case "--iterations":
                    iterations = number(args, ++i, flag);
                    break;
                case "--warmup":
                    warmup = number(args, ++i, flag);
                    break;
                case "--rounds":
                    rounds = number(args, ++i, flag);
                    break;
                case "--batch":
                    batch = number(args, ++i, flag);
                    break;
                case "--python":
                    python = Path.of(value(args, ++i, flag));
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument " + flag);
            }
        }
        return new BenchOptions(json, Optional.ofNullable(only), iterations,
                warmup != null ? warmup : Math.max(5, iterations / 10), rounds, batch, python);
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[index];
    }

    private static int number(String[] args, int index, String flag) {
        String value = value(args, index, flag);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " needs a number, not " + value);
        }
    }
}
