package dev.llmproxy.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real, small HTTP/1.1 server that speaks OpenAI's wire format: the upstream of every
 * end-to-end test of the proxy. It runs Netty NIO on its own single event-loop thread, binds
 * {@code 127.0.0.1} on an ephemeral port, records everything it receives, and can be scripted to
 * misbehave in the ways real upstreams do (slow, stalled, reset, truncated, rate-limited).
 *
 * <pre>{@code
 * try (MockOpenAiUpstream upstream = MockOpenAiUpstream.start()) {
 *     upstream.enqueue(Behavior.sse(64, Duration.ofMillis(20)));    // next request only
 *     // ... point the proxy at upstream.baseUri() and send a request through it ...
 *     RecordedRequest seen = upstream.takeRequest(Duration.ofSeconds(5));
 *     assertThat(seen.header("authorization")).isEqualTo("Bearer sk-upstream");
 *     upstream.awaitConnectionClosed(seen.connectionId(), Duration.ofMillis(50));
 * }
 * }</pre>
 *
 * <h2>Routes (the {@linkplain Behavior#normal() normal} behaviour)</h2>
 * Responses are keep-alive HTTP/1.1 with a correct {@code Content-Length} and
 * {@code Content-Type: application/json}, unless the request said {@code Connection: close}.
 * <ul>
 *   <li>{@code POST /v1/chat/completions}: a {@code chat.completion} object echoing the request's
 *       {@code model}, with content {@link #contentOf(int) contentOf(8)}, {@code finish_reason: stop}
 *       and {@code usage}; with a {@code tools} array and {@code "tool_choice": "required"} the
 *       message also calls each tool once ({@code tool_calls}). With {@code "stream": true}: {@code Content-Type: text/event-stream},
 *       chunked, one {@code data: {...}\n\n} event per chunk, each flushed: a role delta, 8 content
 *       deltas ({@link #chunkText(int)}), a delta {@code {}} with {@code finish_reason: stop}, a
 *       usage chunk ({@code choices: []}) if {@code stream_options.include_usage} is true (every
 *       other chunk then carries {@code "usage": null}), and {@code data: [DONE]}.</li>
 *   <li>{@code POST /v1/completions}: the same as {@code text_completion} (streamed without a role chunk).</li>
 *   <li>{@code POST /v1/embeddings}: {@code {"object":"list","data":[{"object":"embedding","index":0,
 *       "embedding":[...]}],"model":...,"usage":{...}}}, one deterministic unit vector per input
 *       (8 dimensions, or {@code dimensions}; base64 if {@code encoding_format} says so).</li>
 *   <li>{@code GET /v1/models} (a model list) and {@code GET /v1/models/{id}}.</li>
 *   <li>Anything else: 404 {@code {"error":{"message":"Invalid URL (POST /v1/x)",
 *       "type":"invalid_request_error","param":null,"code":"unknown_url"}}}. A POST whose body is
 *       not a JSON object: 400 with the same envelope.</li>
 * </ul>
 *
 * <h2>Choosing a behaviour</h2>
 * For each request, in this order: the {@value #BEHAVIOR_HEADER} request header (it does not
 * consume the queue); else the oldest {@link #enqueue(Behavior) enqueued} behaviour (FIFO, one per
 * request, in arrival order across connections); else the {@link #setDefaultBehavior default}
 * (initially {@link Behavior#normal()}). {@link #reset()} clears queue, default and recordings.
 *
 * <h2>{@value #BEHAVIOR_HEADER} syntax</h2>
 * One keyword, optionally followed by {@code ;key=value} parameters; whitespace is ignored,
 * keywords and keys are case-insensitive. A header that does not parse is answered with 400 and
 * code {@code invalid_mock_behavior} (and recorded with a {@code null} behaviour).
 * <table>
 *   <caption>Keywords</caption>
 *   <tr><th>Keyword</th><th>Factory</th><th>Effect</th></tr>
 *   <tr><td>{@code normal}</td><td>{@link Behavior#normal()}</td><td>the route's answer; SSE if the body says {@code "stream": true}</td></tr>
 *   <tr><td>{@code json}</td><td>{@link Behavior#json(Duration)}</td><td>JSON even for {@code "stream": true}</td></tr>
 *   <tr><td>{@code status=N}</td><td>{@link Behavior#status(int)}</td><td>4xx/5xx with an OpenAI error envelope; 429 adds {@code Retry-After: 1}</td></tr>
 *   <tr><td>{@code sse}</td><td>{@link Behavior#sse(int, Duration)}</td><td>SSE stream regardless of the body ({@code chunks} defaults to 8)</td></tr>
 *   <tr><td>{@code sse-without-done}</td><td>{@link Behavior#sseWithoutDone(int, Duration)}</td><td>as {@code sse} but no {@code [DONE]}; same as {@code sse;done=false}</td></tr>
 *   <tr><td>{@code stall}</td><td>{@link Behavior#stall()}</td><td>never answers, keeps the connection open</td></tr>
 *   <tr><td>{@code stall-after-chunks=N}</td><td>{@link Behavior#stallAfterChunks(int, Duration)}</td><td>SSE headers, role chunk, N content chunks, then silence</td></tr>
 *   <tr><td>{@code reset}</td><td>{@link Behavior#reset()}</td><td>TCP RST before anything is sent</td></tr>
 *   <tr><td>{@code reset-after-chunks=N}</td><td>{@link Behavior#resetAfterChunks(int, Duration)}</td><td>SSE headers, role chunk, N content chunks, then TCP RST</td></tr>
 *   <tr><td>{@code garbage}</td><td>{@link Behavior#garbage()}</td><td>non-HTTP bytes, then close</td></tr>
 *   <tr><td>{@code close-early}</td><td>{@link Behavior#closeEarly()}</td><td>full Content-Length, half the body, then close</td></tr>
 * </table>
 * Parameters: {@code chunks=N} (sse only); {@code done=true|false} (sse only);
 * {@code delay-ms=N} — between content chunks for {@code sse}, {@code stall-after-chunks} and
 * {@code reset-after-chunks}, before the response headers for every other keyword;
 * {@code headers-delay-ms=N} — before the response (headers) for any keyword. Without a keyword
 * the behaviour is {@code normal}. Examples: {@code sse;chunks=64;delay-ms=20}, {@code stall},
 * {@code reset}, {@code reset-after-chunks=3}, {@code status=429}, {@code status=503},
 * {@code garbage}, {@code close-early}, {@code json;delay-ms=500}, {@code headers-delay-ms=2000},
 * {@code sse;chunks=10;delay-ms=50;headers-delay-ms=300}. {@link Behavior#toHeaderValue()} writes
 * this syntax. Streaming keywords on {@code /v1/completions} stream {@code text_completion}
 * chunks; on every other known route they stream {@code chat.completion.chunk}s.
 *
 * <h2>Recording</h2>
 * Every request is recorded once its body has been aggregated ({@link #requests()},
 * {@link #takeRequest(Duration)}), with the id of the connection it came on. Connections are
 * recorded with open and close {@link System#nanoTime()} ({@link #connections()},
 * {@link #awaitConnectionClosed(int, Duration)}), so a test can assert that the proxy closed its
 * upstream connection within N ms of the client disconnecting. {@link RecordedRequest#sseChunksWritten()}
 * shows how much of a stream was actually written before the connection went away; the mock stops
 * writing as soon as it sees the close, and pauses streaming while the socket is not writable.
 * {@link RecordedRequest#awaitResponseCompleted(Duration)} waits until an answer was fully written
 * (a client may have read it all a moment before the mock's event loop noted it).
 *
 * <h2>Threading</h2>
 * Public methods are thread-safe and meant for test threads. All network I/O and behaviour timing
 * happens on the mock's one event-loop thread (a daemon); delays are scheduled, never slept.
 * Do not call the blocking methods ({@link #close()}, {@link #closeConnections()}, the
 * {@code await}/{@code take} methods) from a Netty event loop.
 */
public final class MockOpenAiUpstream implements AutoCloseable {

    /** Request header that selects the behaviour for that request; syntax in the class comment. */
    public static final String BEHAVIOR_HEADER = "X-Mock-Behavior";

    /** Request bodies are aggregated up to this size (larger ones get 413 from Netty's aggregator). */
    public static final int MAX_REQUEST_BYTES = 64 * 1024 * 1024;

    private final EventLoopGroup group;
    private final Channel serverChannel;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final ConcurrentLinkedQueue<Behavior> scripted = new ConcurrentLinkedQueue<>();
    private volatile Behavior defaultBehavior = Behavior.normal();

    private final AtomicInteger requestSequence = new AtomicInteger();
    private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<RecordedRequest> untaken = new LinkedBlockingQueue<>();

    private final AtomicInteger connectionSequence = new AtomicInteger();
    private final AtomicInteger acceptedSinceReset = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentNavigableMap<Integer, RecordedConnection> connections = new ConcurrentSkipListMap<>();
    /** Monitor notified when a connection is accepted, for waits on a connection that is not there yet. */
    private final Object connectionAccepted = new Object();

    private MockOpenAiUpstream() {
        this(0);
    }

    private MockOpenAiUpstream(int bindPort) {
        // One thread serves accept and I/O: enough for tests, and it makes the FIFO behaviour queue
        // follow request arrival order exactly. Daemon, so a forgotten close() cannot hang the JVM.
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("mock-openai-upstream", true),
                NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            RecordedConnection connection = register(ch);
                            ch.pipeline().addLast(
                                    new HttpServerCodec(new HttpDecoderConfig()
                                            .setMaxInitialLineLength(16 * 1024)
                                            .setMaxHeaderSize(64 * 1024)),
                                    new HttpObjectAggregator(MAX_REQUEST_BYTES),
                                    new MockConnectionHandler(MockOpenAiUpstream.this, connection));
                        }
                    });
            serverChannel = bootstrap.option(ChannelOption.SO_REUSEADDR, true)
                    .bind("127.0.0.1", bindPort).syncUninterruptibly().channel();
            port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            throw e;
        }
    }

    /** Starts a mock on {@code 127.0.0.1} and an ephemeral port; ready when this returns. */
    public static MockOpenAiUpstream start() {
        return new MockOpenAiUpstream();
    }

    /**
     * Starts a mock on {@code 127.0.0.1:port}, e.g. to bring back a killed upstream on the port
     * the proxy was configured with.
     */
    public static MockOpenAiUpstream start(int port) {
        return new MockOpenAiUpstream(port);
    }

    /** The bound port. */
    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:PORT}, without a trailing slash; routes live under {@code /v1/...}. */
    public URI baseUri() {
        return URI.create("http://127.0.0.1:" + port);
    }

    // ------------------------------------------------------------------ behaviours

    /** The next request without an {@value #BEHAVIOR_HEADER} header gets {@code behavior} (FIFO). */
    public MockOpenAiUpstream enqueue(Behavior behavior) {
        scripted.add(Objects.requireNonNull(behavior, "behavior"));
        return this;
    }

    /** Behaviour for requests with neither a header nor an enqueued behaviour, until {@link #reset()}. */
    public MockOpenAiUpstream setDefaultBehavior(Behavior behavior) {
        defaultBehavior = Objects.requireNonNull(behavior, "behavior");
        return this;
    }

    /**
     * Back to a fresh state: clears the behaviour queue, the default, recorded requests and closed
     * connections, and zeroes {@link #connectionsAccepted()}. Open connections stay open (and
     * listed); ids and {@link RecordedRequest#sequence()} keep counting up.
     */
    public void reset() {
        scripted.clear();
        defaultBehavior = Behavior.normal();
        requests.clear();
        untaken.clear();
        acceptedSinceReset.set(0);
        connections.values().removeIf(connection -> !connection.isOpen());
    }

    /** Called on the event loop for each request; throws IllegalArgumentException for a bad header. */
    Behavior chooseBehavior(String header) {
        if (header != null) {
            return Behavior.parse(header);
        }
        Behavior next = scripted.poll();
        return next != null ? next : defaultBehavior;
    }

    // ------------------------------------------------------------------ requests

    RecordedRequest record(String method, String uri, Map<String, List<String>> headers, byte[] body,
                           RecordedConnection connection, long receivedAtNanos, Behavior behavior) {
        RecordedRequest request = new RecordedRequest(requestSequence.incrementAndGet(), method, uri, headers, body,
                connection.id(), receivedAtNanos, behavior);
        connection.onRequest();
        requests.add(request);
        untaken.add(request);
        return request;
    }

    /** Snapshot of every request received since start or the last {@link #reset()}, in arrival order. */
    public List<RecordedRequest> requests() {
        return List.copyOf(requests);
    }

    /** Number of requests received since start or the last {@link #reset()}. */
    public int requestCount() {
        return requests.size();
    }

    /**
     * The oldest request not yet taken, waiting for one to arrive if necessary.
     *
     * @throws AssertionError if none arrives within {@code timeout}
     */
    public RecordedRequest takeRequest(Duration timeout) {
        RecordedRequest request = pollRequest(timeout);
        if (request == null) {
            throw new AssertionError("no request reached the mock upstream within " + timeout.toMillis() + " ms");
        }
        return request;
    }

    /** Like {@link #takeRequest(Duration)} but returns {@code null} on timeout (to assert that nothing arrived). */
    public RecordedRequest pollRequest(Duration timeout) {
        try {
            return untaken.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for a request", e);
        }
    }

    // ------------------------------------------------------------------ connections

    private RecordedConnection register(SocketChannel channel) {
        RecordedConnection connection = new RecordedConnection(connectionSequence.incrementAndGet(), channel,
                System.nanoTime());
        connections.put(connection.id(), connection);
        acceptedSinceReset.incrementAndGet();
        open.incrementAndGet();
        // The close future completes on the event loop the moment Netty sees the close, whichever
        // side initiated it, before the pipeline's channelInactive: the most exact close time we get.
        channel.closeFuture().addListener(f -> {
            open.decrementAndGet();
            connection.onClosed(System.nanoTime());
        });
        synchronized (connectionAccepted) {
            connectionAccepted.notifyAll();
        }
        return connection;
    }

    /** TCP connections accepted since start or the last {@link #reset()}. */
    public int connectionsAccepted() {
        return acceptedSinceReset.get();
    }

    /** TCP connections currently open. */
    public int openConnections() {
        return open.get();
    }

    /** Snapshot of the known connections in id order (open ones, plus closed ones since the last reset). */
    public List<RecordedConnection> connections() {
        return List.copyOf(connections.values());
    }

    /** The connection with this id, or {@code null} if it was never accepted (or forgotten by reset). */
    public RecordedConnection connection(int connectionId) {
        return connections.get(connectionId);
    }

    /** {@link System#nanoTime()} when connection {@code connectionId} closed; empty while open or unknown. */
    public OptionalLong connectionClosedAtNanos(int connectionId) {
        RecordedConnection connection = connections.get(connectionId);
        return connection == null ? OptionalLong.empty() : connection.closedAtNanos();
    }

    /**
     * Waits until connection {@code connectionId} is closed (by either side) and returns the
     * {@link System#nanoTime()} at which the mock saw it close. Typical use: note
     * {@code System.nanoTime()} when the client disconnects, then assert that the returned value is
     * at most 50 ms later.
     *
     * @throws AssertionError if the connection is still open (or was never accepted) after {@code timeout}
     */
    public long awaitConnectionClosed(int connectionId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RecordedConnection connection;
        synchronized (connectionAccepted) {
            while ((connection = connections.get(connectionId)) == null) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new AssertionError("connection " + connectionId + " was never accepted within "
                            + timeout.toMillis() + " ms");
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(connectionAccepted, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting for connection " + connectionId, e);
                }
            }
        }
        return connection.awaitClosed(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    /**
     * Closes (FIN) every open client connection, as an upstream does when it drops idle keep-alive
     * connections, and waits until they are closed. The server keeps accepting new connections.
     */
    public void closeConnections() {
        for (RecordedConnection connection : connections.values()) {
            connection.channel().close();
        }
        // Wait on our own close record, not the channel's close future: waiters on the latter can
        // wake before its listeners ran, i.e. before openConnections() was updated.
        for (RecordedConnection connection : connections.values()) {
            connection.awaitClosed(Duration.ofSeconds(5));
        }
    }

    /** Content of streamed content chunk {@code index}: {@code "Hello"}, {@code " word1"}, {@code " word2"}, ... */
    public static String chunkText(int index) {
        return OpenAiPayloads.chunkText(index);
    }

    /**
     * The text a complete answer with {@code chunks} content chunks carries: the concatenation of
     * {@link #chunkText(int)} for 0..chunks-1. JSON answers carry {@code contentOf(8)}, the same
     * text as a normal stream.
     */
    public static String contentOf(int chunks) {
        return OpenAiPayloads.contentOf(chunks);
    }

    /**
     * Stops the server: closes the listening socket and every connection, then shuts the event
     * loop down and waits for its thread to terminate. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        closeConnections();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "MockOpenAiUpstream{" + baseUri() + ", requests=" + requests.size() + ", open=" + open.get() + "}";
    }
}
