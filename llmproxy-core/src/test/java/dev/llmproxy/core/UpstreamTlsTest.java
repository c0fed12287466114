package dev.llmproxy.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmproxy.core.route.ProviderConfig;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * https upstreams: the proxy sends SNI, verifies the certificate chain against the configured
 * trust anchors (or the JDK's), and verifies that the certificate names the host it dialled.
 * Certificates are made at test time with the JDK's {@code keytool}; the upstream is a real TLS
 * server on loopback.
 */
class UpstreamTlsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private EventLoopGroup group;
    private Channel server;
    private LlmProxy proxy;
    private final AtomicReference<String> sniSeen = new AtomicReference<>();
    private final AtomicReference<String> authorizationSeen = new AtomicReference<>();

    @AfterEach
    void tearDown() {
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close().syncUninterruptibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void trustedCertificateForTheDialledHost_works_andSniIsSent() throws Exception {
        Path pem = startTlsUpstream("localhost", "dns:localhost,ip:127.0.0.1");
        HttpResponse<String> response = callThroughProxy(pem);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("ok").asBoolean()).isTrue();
        assertThat(sniSeen.get()).isEqualTo("localhost");
        assertThat(authorizationSeen.get()).isEqualTo("Bearer sk-tls-upstream");
    }

    @Test
    void untrustedCertificate_isRefusedWith502() throws Exception {
        startTlsUpstream("localhost", "dns:localhost");
        HttpResponse<String> response = callThroughProxy(null); // JDK trust store does not know our CA
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(JSON.readTree(response.body()).at("/error/code").asText()).isEqualTo("upstream_unavailable");
        assertThat(authorizationSeen.get()).as("the key never went to an unverified server").isNull();
    }

    @Test
    void trustedCertificateForAnotherHost_failsHostnameVerification() throws Exception {
        Path pem = startTlsUpstream("other.example", "dns:other.example");
        HttpResponse<String> response = callThroughProxy(pem);
        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(authorizationSeen.get()).isNull();
    }

    @Test
    void probesOfAnHttpsUpstream_useTheSameTlsChecks() throws Exception {
        Path pem = startTlsUpstream("localhost", "dns:localhost,ip:127.0.0.1");
        JsonNode trusted = probedUpstream(pem);
        assertThat(trusted.get("last_probe").get("result").asText()).isEqualTo("success");
        assertThat(trusted.get("last_probe").get("status").asInt()).isEqualTo(200);
        assertThat(sniSeen.get()).isEqualTo("localhost");
        assertThat(authorizationSeen.get()).as("probes send no key by default").isNull();
        proxy.close();
        proxy = null;

        JsonNode untrusted = probedUpstream(null); // JDK trust store does not know our CA
        assertThat(untrusted.get("last_probe").get("result").asText()).isEqualTo("failure");
        assertThat(untrusted.get("last_probe").get("error").asText()).isEqualTo("TLS handshake failed");
    }

    /** Starts a proxy probing the TLS upstream every 100 ms; returns its upstream after the first probe. */
    private JsonNode probedUpstream(Path trusted) throws Exception {
        int port = ((java.net.InetSocketAddress) server.localAddress()).getPort();
        ProviderConfig provider = ProviderConfig.openAi(URI.create("https://localhost:" + port)).withHealthCheck(
                dev.llmproxy.core.route.UpstreamProbeConfig.DEFAULTS.withInterval(java.time.Duration.ofMillis(100)));
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(provider).upstreamApiKey("sk-tls-upstream")
                .upstreamTrustedCertificates(trusted).build().start();
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            JsonNode u = JSON.readTree(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + proxy.localAddress().getPort() + "/health/details")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body()).get("upstreams").get(0);
            if (u.get("last_probe").isObject()) {
                return u;
            }
            assertThat(System.nanoTime()).as("waiting for a probe").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private HttpResponse<String> callThroughProxy(Path trusted) throws Exception {
        int port = ((java.net.InetSocketAddress) server.localAddress()).getPort();
        ProviderConfig provider = ProviderConfig.openAi(URI.create("https://localhost:" + port));
        proxy = LlmProxy.builder().listen("127.0.0.1", 0).provider(provider).upstreamApiKey("sk-tls-upstream")
                .upstreamTrustedCertificates(trusted).build().start();
        HttpClient client = HttpClient.newHttpClient();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.localAddress().getPort()
                        + "/v1/models")).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Starts a TLS upstream with a fresh self-signed certificate; returns that certificate as PEM. */
    private Path startTlsUpstream(String cn, String san) throws Exception {
        Path keystore = dir.resolve(cn + ".p12");
        Path pem = dir.resolve(cn + ".pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "upstream", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=" + cn, "-ext", "SAN=" + san, "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-keypass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "upstream", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-file", pem.toString());

        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        SslContext serverContext = SslContextBuilder.forServer(kmf).build();

        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new SniHandler(host -> {
                            sniSeen.set(host);
                            return serverContext;
                        }));
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        authorizationSeen.set(req.headers().get(HttpHeaderNames.AUTHORIZATION));
                                        byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
                                        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                                HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                                        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                                                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                                        ctx.writeAndFlush(r);
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return pem;
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command[1], out).isZero();
    }
}
