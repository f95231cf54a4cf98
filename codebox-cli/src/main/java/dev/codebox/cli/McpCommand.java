package dev.codebox.cli;

import dev.codebox.CodeExecutor;
import dev.codebox.functions.FunctionModule;
import dev.codebox.functions.FunctionsPrompt;
import dev.codebox.internal.Executables;
import dev.codebox.mcp.CodeboxMcpServer;
import dev.codebox.mcp.ExecutorProvider;
import dev.codebox.mcp.HttpEndpoint;
import dev.codebox.mcp.HttpSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code codebox mcp}: serves codebox's tools to MCP clients over stdio or streamable HTTP. */
@Command(name = "mcp", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Serves code execution to MCP clients (desktop assistants, IDE agents, agent frameworks): "
                + "over stdio by default, or streamable HTTP at /mcp with --http. Tools: execute_code, create_session, "
                + "close_session, list_sessions, upload_file, download_file, list_files, list_languages. "
                + "The executor options are those of 'codebox run'; every session gets its own work dir.")
final class McpCommand implements Callable<Integer> {

    static final String TOKEN_VARIABLE = "CODEBOX_MCP_TOKEN";

    @Spec
    CommandSpec spec;

    @Mixin
    ExecutorOptions options;

    @Option(names = "--http", description = "Serve streamable HTTP instead of stdio.")
    boolean http;

    @Option(names = "--port", paramLabel = "P", defaultValue = "" + HttpSettings.DEFAULT_PORT,
            description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = HttpSettings.DEFAULT_BIND,
            description = "HTTP address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String bind;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File of bearer tokens, one per line, that HTTP clients must send (default: $" + TOKEN_VARIABLE
                    + ", else a token generated and printed once on stderr). A session belongs to the token that created it.")
    Path tokenFile;

    @Option(names = "--no-auth",
            description = "Serve HTTP without a token (loopback only; for test clients that cannot send one). Anyone on this machine can run code.")
    boolean noAuth;

    @Option(names = "--allow-origin", paramLabel = "ORIGIN",
            description = "Also accept browser requests from this origin, such as https://app.example (repeatable; default: loopback origins only).")
    List<String> allowedOrigins = new ArrayList<>();

    @Option(names = "--allow-host", paramLabel = "HOST[:PORT]",
            description = "Also accept this Host header, for a server reached by name (repeatable; default: loopback names and the bind address).")
    List<String> allowedHosts = new ArrayList<>();

    @Option(names = "--allow-executor", paramLabel = "NAME",
            description = "An executor create_session may ask for besides -e (repeatable; default: only -e). "
                    + "Allowing local next to docker lets clients leave the container.")
    List<String> extraExecutors = new ArrayList<>();

    @Option(names = "--max-sessions", paramLabel = "N", defaultValue = "" + CodeboxMcpServer.DEFAULT_MAX_SESSIONS,
            description = "Sessions open at once (default: ${DEFAULT-VALUE}).")
    int maxSessions;

    @Option(names = "--session-ttl", paramLabel = "SECONDS", defaultValue = "1800",
            description = "A session idle this long is closed and its files deleted (default: ${DEFAULT-VALUE}).")
    long sessionTtlSeconds;

    @Option(names = "--max-concurrent", paramLabel = "N", defaultValue = "" + CodeboxMcpServer.DEFAULT_MAX_CONCURRENT_EXECUTIONS,
            description = "Runs at once; more wait (default: ${DEFAULT-VALUE}).")
    int maxConcurrent;

    @Option(names = "--queue-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long a run waits for a free slot before the call fails as busy (default: ${DEFAULT-VALUE}).")
    long queueTimeoutSeconds;

    @Option(names = "--max-upload", paramLabel = "SIZE", defaultValue = "16m",
            description = "Largest file upload_file accepts and download_file returns (default: ${DEFAULT-VALUE}).")
    String maxUpload;

    @Override
    public Integer call() throws Exception {
        checkOptions();
        FunctionModule module = options.functions.module();
        List<ExecutorKind> kinds = kinds();
        OptionScope.requireUsed(spec.commandLine().getParseResult(), kinds);
        ExecutorFactory factory = new ExecutorFactory(options, true);
        long maxFileBytes = DockerOptions.size(maxUpload, "--max-upload");
        CodeboxMcpServer.Builder builder = CodeboxMcpServer.builder(new Provider(factory, module, kinds))
                .maxSessions(maxSessions)
                .sessionIdleTimeout(Duration.ofSeconds(positive(sessionTtlSeconds, "--session-ttl")))
                .maxConcurrentExecutions(maxConcurrent)
                .queueTimeout(Duration.ofSeconds(queueTimeoutSeconds))
                .maxUploadBytes(maxFileBytes)
                .maxDownloadBytes(maxFileBytes)
                .maxTimeout(options.common.timeout())
                .version(new Main.Version().getVersion()[0].replace("codebox ", ""));
        if (!module.isEmpty()) {
            builder.functionStubs(FunctionsPrompt.render(module));
        }
        HttpSettings settings = http ? httpSettings() : null;
        CodeboxMcpServer server = builder.build();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "codebox-mcp-shutdown"));
        try {
            if (settings == null) {
                // stdout carries MCP messages only: anything else printed by mistake goes to stderr.
                PrintStream protocol = System.out;
                System.setOut(System.err);
                server.serveStdio(System.in, protocol);
            } else {
                HttpEndpoint endpoint = server.serveHttp(settings);
                System.err.println("codebox mcp: listening on " + endpoint.uri());
                System.err.flush();
                endpoint.awaitClose();
            }
        } finally {
            server.close();
        }
        return 0;
    }

    private void checkOptions() {
        if (options.common.json()) {
            throw new UsageException("--json is for exec and run; MCP results are JSON already");
        }
        if (options.common.restartBetweenBlocks()) {
            throw new UsageException("--restart-between-blocks is for run; an MCP client closes and creates sessions");
        }
        if (options.common.workDir().isPresent()) {
            throw new UsageException("--work-dir is for exec and run; every MCP session gets a work dir of its own");
        }
        if (options.jupyter.remoteServer()) {
            throw new UsageException("--jupyter-url is not supported by codebox mcp: the file tools need the session's files on this machine");
        }
        if (!http && (tokenFile != null || noAuth)) {
            throw new UsageException("--token-file and --no-auth are for --http; stdio has one client, the process that started codebox");
        }
    }

    private List<ExecutorKind> kinds() {
        Set<ExecutorKind> kinds = new LinkedHashSet<>();
        kinds.add(options.common.executor());
        extraExecutors.forEach(name -> kinds.add(ExecutorKind.parse(name)));
        return List.copyOf(kinds);
    }

    private HttpSettings httpSettings() throws IOException {
        HttpSettings.Builder settings = HttpSettings.builder().bind(bind).port(port).noAuth(noAuth);
        allowedOrigins.forEach(settings::allowedOrigin);
        allowedHosts.forEach(settings::allowedHost);
        if (noAuth) {
            if (tokenFile != null) {
                throw new UsageException("--no-auth and --token-file exclude each other");
            }
            System.err.println("codebox mcp: WARNING: --no-auth: any program on this machine can run code through this server");
        } else {
            addTokens(settings);
        }
        try {
            return settings.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The tokens of --token-file, else $CODEBOX_MCP_TOKEN, else a generated one (printed once). */
    private void addTokens(HttpSettings.Builder settings) throws IOException {
        if (tokenFile != null) {
            SecretFile.read(tokenFile, "--token-file").forEach(token -> addToken(settings, token, "--token-file " + tokenFile));
            return;
        }
        String variable = System.getenv(TOKEN_VARIABLE);
        if (variable != null && !variable.isBlank()) {
            addToken(settings, variable.trim(), "$" + TOKEN_VARIABLE);
            return;
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        settings.token(token);
        System.err.println("codebox mcp: clients must send 'Authorization: Bearer " + token + "' (generated for this run; "
                + "give your own with --token-file or $" + TOKEN_VARIABLE + ")");
    }

    private static void addToken(HttpSettings.Builder settings, String token, String source) {
        try {
            settings.token(token);
        } catch (IllegalArgumentException e) {
            throw new UsageException(source + ": " + e.getMessage());
        }
    }

    private static long positive(long value, String option) {
        if (value < 1) {
            throw new UsageException(option + " must be at least 1");
        }
        return value;
    }

    /** The executors of the options, each session in its own directory. */
    private final class Provider implements ExecutorProvider {
        private final ExecutorFactory factory;
        private final FunctionModule module;
        private final List<ExecutorKind> kinds;

        Provider(ExecutorFactory factory, FunctionModule module, List<ExecutorKind> kinds) {
            this.factory = factory;
            this.module = module;
            this.kinds = kinds;
        }

        @Override
        public List<String> executors() {
            return kinds.stream().map(ExecutorKind::cliName).toList();
        }

        @Override
        public List<String> languages(String executor) {
            ExecutorKind kind = ExecutorKind.parse(executor);
            if (kind.isJupyter()) {
                String kernel = options.jupyter.kernel();
                return List.of(kernel.startsWith("python") ? "python" : kernel);
            }
            List<String> languages = new ArrayList<>(List.of("python", "bash", "sh"));
            if (kind == ExecutorKind.LOCAL && Executables.onPath("pwsh").isPresent()) {
                languages.add("pwsh");
            }
            return languages;
        }

        @Override
        public CodeExecutor create(String executor, Optional<String> kernel, Path workDir) {
            try {
                return factory.create(ExecutorKind.parse(executor), module, Optional.of(workDir), kernel);
            } catch (UsageException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }
}
