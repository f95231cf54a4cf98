package dev.codebox.mcp.internal;

import dev.codebox.mcp.HttpEndpoint;
import dev.codebox.mcp.HttpSettings;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The streamable HTTP endpoint: Jetty serving the SDK's servlet behind the bearer-token filter. */
final class JettyEndpoint implements HttpEndpoint {

    private static final Logger LOG = LoggerFactory.getLogger(JettyEndpoint.class);

    private final Server server;
    private final URI uri;
    private final Runnable onClose;

    private JettyEndpoint(Server server, URI uri, Runnable onClose) {
        this.server = server;
        this.uri = uri;
        this.onClose = onClose;
    }

    static JettyEndpoint start(HttpSettings settings, HttpServletStreamableServerTransportProvider transport,
            Runnable onClose) {
        QueuedThreadPool threads = new QueuedThreadPool(200, 4);
        threads.setName("codebox-mcp-http");
        threads.setDaemon(true);
        Server server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(settings.bind());
        connector.setPort(settings.port());
        server.addConnector(connector);

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        FilterHolder auth = new FilterHolder(new BearerAuthFilter(settings.tokens(), settings.noAuth()));
        auth.setAsyncSupported(true);
        context.addFilter(auth, "/*", EnumSet.of(DispatcherType.REQUEST));
        ServletHolder servlet = new ServletHolder(transport);
        servlet.setAsyncSupported(true);
        context.addServlet(servlet, HttpSettings.ENDPOINT);
        server.setHandler(context);
        server.setStopTimeout(2000);
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IllegalStateException("cannot listen on " + settings.bind() + ":" + settings.port() + ": " + e.getMessage(), e);
        }
        String host = settings.bind().contains(":") ? "[" + settings.bind() + "]" : settings.bind();
        URI uri = URI.create("http://" + host + ":" + connector.getLocalPort() + HttpSettings.ENDPOINT);
        return new JettyEndpoint(server, uri, onClose);
    }

    @Override
    public URI uri() {
        return uri;
    }

    @Override
    public void awaitClose() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // A graceful stop that times out still stops everything; connections are cut.
            LOG.debug("the HTTP endpoint stopped ungracefully: {}", e.toString());
        } finally {
            onClose.run();
        }
    }
}
