package dev.codebox.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.util.List;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code codebox} command. Exit status: the code's exit code (124 timeout, 125 cancelled);
 * 2 for a usage error; 3 when the executor cannot run at all (no Docker engine, no cluster, no kernel);
 * 70 for an internal error; 141 when standard output could no longer be written while the code ran
 * (its reader exited, as {@code head} does, or the write failed: the code is stopped, as a pipe
 * stops a writer with SIGPIPE). Errors are one line on stderr, never a stack trace.
 */
public final class Main implements Runnable {

    /** Exit status of a usage error. */
    static final int USAGE = 2;
    /** Exit status when the executor cannot run anything. */
    static final int EXECUTOR_FAILED = 3;
    /** Exit status of an unexpected failure. */
    static final int INTERNAL_ERROR = 70;
    /** Exit status when standard output closed while the code ran: that of a writer killed by SIGPIPE. */
    static final int OUTPUT_CLOSED = 128 + 13;

    private CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: exec, run, functions, mcp, docker, kubernetes or doctor");
    }

    public static void main(String[] args) {
        System.exit(commandLine(args).execute(args));
    }

    /**
     * The command line for {@code args}. Building a sub-command's model by reflection is most of
     * the CLI's start-up time, so when the first argument names a sub-command (or is
     * {@code --version}) only that one is built; otherwise (help, a typo) all are, for the listing.
     */
    static CommandLine commandLine(String... args) {
        Factory factory = new Factory();
        CommandLine commandLine = new CommandLine(topCommand(factory), factory);
        String first = args.length == 0 ? "" : args[0];
        if (!first.equals("--version") && !first.equals("-V")) {
            boolean known = SUBCOMMANDS.contains(first);
            for (String name : SUBCOMMANDS) {
                if (!known || name.equals(first)) {
                    commandLine.addSubcommand(name, subcommand(name));
                }
            }
        }
        commandLine.setParameterExceptionHandler(new UsageErrors());
        commandLine.setExecutionExceptionHandler(new Failures());
        return commandLine;
    }

    // The handlers are classes, not lambdas: the class-data archive skips a picocli interface (picocli
    // is compiled for Java 5) that a lambda made it link, and loading it then opens the jar (20 ms).

    /**
     * Creates the commands' option classes with their no-argument constructors, and leaves other
     * types to picocli's default factory. That factory's class looks for a Groovy class when it is
     * first used, and a class missing from the class-data archive makes the JVM open the jar: 20 ms
     * of {@code --version}. (A sub-command's option builders initialise that class all the same.)
     */
    private static final class Factory implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (!type.getName().startsWith("dev.codebox.")) {
                return CommandLine.defaultFactory().create(type);
            }
            Constructor<K> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        }
    }

    /** A usage error: one line naming the command, and where its help is. */
    private static final class UsageErrors implements CommandLine.IParameterExceptionHandler {
        @Override
        public int handleParseException(CommandLine.ParameterException e, String[] arguments) {
            PrintWriter err = e.getCommandLine().getErr();
            err.println(e.getCommandLine().getCommandSpec().qualifiedName() + ": " + e.getMessage()
                    + " (see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return USAGE;
        }
    }

    /** A command that failed: one line, and the exit status of its kind of failure. */
    private static final class Failures implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception e, CommandLine command, CommandLine.ParseResult parseResult) {
            PrintWriter err = command.getErr();
            int status;
            if (e instanceof UsageException || e instanceof IllegalArgumentException) {
                err.println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                status = USAGE;
            } else if (e instanceof dev.codebox.CodeExecutorException) {
                err.println(command.getCommandSpec().qualifiedName() + ": " + e.getMessage());
                status = EXECUTOR_FAILED;
            } else {
                err.println(command.getCommandSpec().qualifiedName() + ": internal error: " + e);
                status = INTERNAL_ERROR;
            }
            err.flush();
            return status;
        }
    }

    /**
     * The top command's model, built by hand: read from annotations it would cost a dynamic proxy
     * class per annotation type, about a quarter of {@code codebox --version}.
     */
    private static CommandSpec topCommand(Factory factory) {
        Main main = new Main();
        CommandSpec spec = CommandSpec.wrapWithoutInspection(main, factory).name("codebox").versionProvider(new Version());
        spec.usageMessage().description(
                "Runs code written by language models: locally, in Docker, in Kubernetes or in a Jupyter kernel.");
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print version information and exit.").build());
        main.spec = spec;
        return spec;
    }

    /** The sub-commands, in the order help lists them. */
    private static final List<String> SUBCOMMANDS = List.of("exec", "run", "functions", "mcp", "docker", "kubernetes", "doctor");

    // A switch, not constructor references: each class is loaded only when its command is asked for.
    private static Object subcommand(String name) {
        switch (name) {
            case "exec":
                return new ExecCommand();
            case "run":
                return new RunCommand();
            case "functions":
                return new FunctionsCommand();
            case "mcp":
                return new McpCommand();
            case "docker":
                return new DockerCommand();
            case "kubernetes":
                return new KubernetesCommand();
            case "doctor":
                return new DoctorCommand();
            default:
                throw new IllegalArgumentException(name);
        }
    }

    /**
     * The version Maven wrote into the jar's manifest, which the class-data archive holds (so the
     * jar is not opened for it), or else (classes run from a directory) into a resource.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            String version = Main.class.getPackage().getImplementationVersion();
            if (version == null) {
                Properties properties = new Properties();
                try (InputStream in = Main.class.getResourceAsStream("/codebox-version.properties")) {
                    if (in != null) {
                        properties.load(in);
                    }
                }
                version = properties.getProperty("version", "unknown");
            }
            return new String[] {"codebox " + version};
        }
    }
}
