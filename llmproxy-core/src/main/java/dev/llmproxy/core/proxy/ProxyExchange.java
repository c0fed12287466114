package dev.llmproxy.core.proxy;

import dev.llmproxy.core.ProxyError;
import dev.llmproxy.core.audit.AuditEvent;
import dev.llmproxy.core.auth.AuthResult;
import dev.llmproxy.core.auth.TokenService;
import dev.llmproxy.core.cache.CacheKey;
import dev.llmproxy.core.cache.CachePolicy;
import dev.llmproxy.core.cache.CacheScope;
import dev.llmproxy.core.cache.CacheStatus;
import dev.llmproxy.core.cache.CachedResponse;
import dev.llmproxy.core.cache.ResponseCache;
import dev.llmproxy.core.capture.ExchangeCapture;
import dev.llmproxy.core.capture.WireCapture;
import dev.llmproxy.eventbus.Body;
import dev.llmproxy.eventbus.BodyCapture;
import dev.llmproxy.core.ratelimit.RateLimitDecision;
import dev.llmproxy.core.route.PolicyViolation;
import dev.llmproxy.core.route.PreflightResult;
import dev.llmproxy.core.usage.UsageObservation;
import dev.llmproxy.core.usage.UsageSink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One proxied request, from its head arriving on the client connection until its response has
 * been completely handed to the client (or the exchange was abandoned).
 *
 * <p>Life cycle: the request body is aggregated up to the configured limit (413 beyond it, before
 * anything goes upstream); the request policy is applied; an upstream connection is taken from
 * the event loop's pool or opened (moving on to the next upstream URL when a connect fails); the
 * request is written; the response head and chunks are relayed as they arrive. Confined to the
 * client channel's event loop.
 *
 * <p><b>Ownership:</b> the exchange owns {@link #body} until {@link #finish()}; each upstream
 * attempt writes a retained duplicate, so a retry can resend it. Response messages are passed
 * straight to the client channel, which releases them once written.
 */
final class ProxyExchange {

    private static final Logger log = LoggerFactory.getLogger(ProxyExchange.class);

    private static final AsciiString X_UPSTREAM_REQUEST_ID = AsciiString.cached("x-upstream-request-id");
    private static final String BEARER = "Bearer ";
    private static final AsciiString X_RATELIMIT_LIMIT = AsciiString.cached("x-ratelimit-limit-requests");
    private static final AsciiString X_RATELIMIT_REMAINING = AsciiString.cached("x-ratelimit-remaining-requests");
    private static final AsciiString X_RATELIMIT_RESET = AsciiString.cached("x-ratelimit-reset-requests");

    private final ProxyHandler handler;
    private final ChannelHandlerContext ctx;
    private final ProxyEngine engine;
    private final HttpRequest request;
    private final String path;
    private final String requestId;
    private final boolean keepAlive;
    private final String origin;

    private CompositeByteBuf body;
    private long bodyBytes;
    private PolicyViolation rejection;
    private boolean preflight;
    private boolean requestComplete;
    private boolean finished;

    private HttpHeaders upstreamHeaders;
    private String upstreamUri;
    private int targetIndex;
    private int connectFailures;
    private boolean staleRetried;
    private UpstreamHandler upstream;
    private Channel upstreamChannel;
    private boolean reusedConnection;
    private boolean requestWritten;
    private boolean responseStarted;
    private boolean upstreamKeepAlive;
    private boolean closeClientAfterResponse;
    /** Status the client was (or is being) sent; 0 until a response head went out. */
    private int sentStatus;
    private long firstByteNanos = -1;
    private boolean upstreamAnswered;
    /** Response cache state: the key (null when the cache is off or bypassed) and what happened. */
    private CacheKey cacheKey;
    private CacheStatus cacheStatus;
    private boolean cacheMayStore;
    /** A copy of the upstream's own response headers and the body, kept for storing; null when not storing. */
    private HttpHeaders cacheHeaders;
    private BodyCapture cacheCapture;
    /** Rate-limit state of the token, for response headers; null without a per-minute limit. */
    private RateLimitDecision rateLimit;

    /** Arrival of the request head. */
    private final long startNanos;
    /** Records the instrumentation event; null when neither events nor usage are recorded, or once completed. */
    private ExchangeRecorder recorder;
    /** Wire capture of this exchange; null when capture is off (or paused) or once handed over. */
    private ExchangeCapture capture;
    /** Usage tracking: who asked, how it ended, and what the upstream answered (see recordUsage). */
    private String projectId;
    private String tokenId;
    private ProxyError localError;
    private String outcome;
    private ExchangeRecorder completedRecorder;
    private boolean replayedStream;

    /** Time spent inside the proxy so far, excluding upstream network waits. */
    private long overheadNanos;
    /** Start of the proxy-side interval currently being measured. */
    private long markNanos;

    ProxyExchange(ProxyHandler handler, HttpRequest request, String path) {
        this.handler = handler;
        this.ctx = handler.ctx;
        this.engine = handler.engine;
        this.request = request;
        this.path = path;
        this.markNanos = System.nanoTime();
        this.startNanos = markNanos;
        String clientId = request.headers().get(ProxyHeaders.X_REQUEST_ID);
        this.requestId = clientId != null && ProxyHeaders.isWellFormedRequestId(clientId) ? clientId : RequestIds.next();
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.origin = request.headers().get(HttpHeaderNames.ORIGIN);
        WireCapture wire = engine.wireCapture;
        this.capture = wire == null ? null : wire.begin(requestId, peerAddress(ctx.channel().remoteAddress()),
                request.method().name(), request.uri(), request.headers());
    }

    boolean requestComplete() {
        return requestComplete;
    }

    String requestId() {
        return requestId;
    }

    // ---------------------------------------------------------------- request side

    void onRequestHead() {
        long declaredLength = HttpUtil.getContentLength(request, -1L);
        if (declaredLength > engine.settings.maxRequestBodyBytes()) {
            respondTooLarge();
            return;
        }
        if (HttpMethod.OPTIONS.equals(request.method())) {
            preflight = true;
        } else {
            rejection = engine.policy.checkRequest(request.method().name(), path, request.headers());
        }
        if (HttpUtil.is100ContinueExpected(request)) {
            if (rejection != null) {
                // The client is waiting for permission to send the body: refuse and close rather
                // than read a body we will not use.
                respond(rejection.error(), rejection.message(), true);
                return;
            }
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
        if (request instanceof HttpContent) {
            onRequestContent((HttpContent) request);
        }
    }

    void onRequestContent(HttpContent content) {
        if (finished) {
            ReferenceCountUtil.release(content);
            return;
        }
        ByteBuf bytes = content.content();
        int readable = bytes.readableBytes();
        bodyBytes += readable;
        if (bodyBytes > engine.settings.maxRequestBodyBytes()) {
            ReferenceCountUtil.release(content);
            respondTooLarge();
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (readable > 0 && rejection == null && !preflight) {
            if (body == null) {
                body = ctx.alloc().compositeBuffer(64);
            }
            body.addComponent(true, bytes); // takes over the content's reference
        } else {
            ReferenceCountUtil.release(content);
        }
        if (last) {
            requestComplete = true;
            onRequestComplete();
        }
    }

    /** The request body could not be decoded (bad chunk framing): 400, then the connection closes. */
    void onMalformedContent() {
        if (finished) {
            ctx.close();
            return;
        }
        respond(ProxyError.BAD_REQUEST, "Malformed HTTP request body", true);
    }

    private void onRequestComplete() {
        markNanos = System.nanoTime();
        if (capture != null) {
            capture.onRequestBody(body);
        }
        if (preflight) {
            answerPreflight();
            return;
        }
        if (rejection != null) {
            respond(rejection.error(), rejection.message(), false);
            return;
        }
        CharSequence contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        PolicyViolation bodyViolation = engine.policy.checkBody(request.method().name(), contentType,
                body == null ? Unpooled.EMPTY_BUFFER : body);
        if (bodyViolation != null) {
            respond(bodyViolation.error(), bodyViolation.message(), false);
            return;
        }
        TokenService tokens = engine.tokenService;
        if (tokens == null) {
            proceedUpstream(null);
            return;
        }
        CompletableFuture<AuthResult> auth;
        try {
            auth = tokens.authorize(request.headers().get(HttpHeaderNames.AUTHORIZATION)).toCompletableFuture();
        } catch (RuntimeException e) {
            log.warn("token authorization failed for request {}", requestId, e);
            onAuthorized(null, e);
            return;
        }
        if (auth.isDone()) {
            onAuthorized(auth.getNow(null), null); // cached token: no thread hop
            return;
        }
        overheadNanos += System.nanoTime() - markNanos;
        auth.whenComplete((result, error) -> ctx.executor().execute(() -> {
            markNanos = System.nanoTime();
            onAuthorized(result, error);
        }));
    }

    private void onAuthorized(AuthResult result, Throwable error) {
        if (finished) {
            return; // the client left while the token was being looked up
        }
        if (error != null || result == null) {
            if (error != null) {
                log.warn("token authorization failed for request {}: {}", requestId, error.toString());
            }
            auditDenial("service_unavailable", null, null);
            respond(ProxyError.SERVICE_UNAVAILABLE, "Authorization is temporarily unavailable; try again shortly",
                    false);
            return;
        }
        rateLimit = result.rateLimit();
        projectId = result.project() == null ? null : result.project().id();
        tokenId = result.token() == null ? null : result.token().id();
        if (!result.isAllowed()) {
            if (capture != null && result.project() != null) {
                capture.onIdentified(result.project().id(), result.token() == null ? null : result.token().id(), null);
            }
            ProxyError e = result.error();
            if (e == ProxyError.PROJECT_INACTIVE || e == ProxyError.SERVICE_UNAVAILABLE) {
                auditDenial(e.code(), result.project() == null ? null : result.project().id(),
                        result.token() == null ? null : result.token().id());
            }
            respond(e, result.message(), false);
            return;
        }
        proceedUpstream(result);
    }

    private void auditDenial(String reason, String projectId, String tokenId) {
        engine.audit.record(AuditEvent.builder("proxy", "proxy.denied", AuditEvent.Outcome.FAILURE)
                .reason(reason).clientIp(peerAddress(ctx.channel().remoteAddress())).requestId(requestId)
                .projectId(projectId).tokenId(tokenId)
                .detail("method", request.method().name()).detail("path", path).build());
    }

    /** Step after authorization: the response cache, when configured, then the upstream. */
    private void proceedUpstream(AuthResult auth) {
        if (capture != null) {
            capture.onIdentified(auth == null ? null : auth.project().id(), auth == null ? null : auth.token().id(),
                    auth == null ? engine.settings.upstreamApiKey() : auth.project().apiKey());
        }
        ResponseCache cache = engine.responseCache;
        if (cache == null) {
            forwardUpstream(auth);
            return;
        }
        CachePolicy.Lookup lookup = engine.cachePolicy.lookupDecision(request.method(), request.headers());
        if (lookup == CachePolicy.Lookup.BYPASS) {
            cacheStatus = CacheStatus.BYPASS;
            engine.metrics.cache("bypass");
            forwardUpstream(auth);
            return;
        }
        // Keys are scoped per project: one project's answers are never served to another.
        CacheScope scope = auth != null ? CacheScope.project(auth.project().id()) : CacheScope.shared("default");
        cacheKey = engine.cacheKeys.forRequest(scope, request.method(), request.uri(), request.headers(),
                body == null ? Unpooled.EMPTY_BUFFER : body);
        cacheMayStore = lookup.mayStore();
        if (!lookup.lookup()) {
            cacheStatus = CacheStatus.MISS; // a refresh: skip the read, store the fresh answer
            engine.metrics.cache("miss");
            forwardUpstream(auth);
            return;
        }
        CompletableFuture<CachedResponse> hit = cache.get(cacheKey).toCompletableFuture();
        if (hit.isDone()) {
            onCacheLookup(auth, hit.getNow(null)); // in-memory cache: no thread hop
            return;
        }
        overheadNanos += System.nanoTime() - markNanos;
        hit.whenComplete((cached, error) -> ctx.executor().execute(() -> {
            markNanos = System.nanoTime();
            onCacheLookup(auth, error == null ? cached : null);
        }));
    }

    private void onCacheLookup(AuthResult auth, CachedResponse cached) {
        if (finished) {
            return;
        }
        if (cached == null || !engine.cachePolicy.servable(request.headers(), cached, Instant.now())) {
            cacheStatus = CacheStatus.MISS;
            engine.metrics.cache("miss");
            forwardUpstream(auth);
            return;
        }
        if (auth != null && engine.tokenService != null) {
            engine.tokenService.recordCacheHit(auth); // hits do not count against the quota
        }
        if (engine.cachePolicy.isNotModified(request.method(), request.headers(), cached)) {
            cacheStatus = CacheStatus.CONDITIONAL_HIT;
            engine.metrics.cache("conditional-hit");
            FullHttpResponse notModified = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
            cached.copyNotModifiedHeadersTo(notModified.headers());
            applyCacheHeaders(notModified.headers(), cached);
            sendLocal(notModified, false);
            return;
        }
        cacheStatus = CacheStatus.HIT;
        engine.metrics.cache("hit");
        replay(cached);
    }

    /** Serves a stored answer; a stored stream is written event by event, as it first arrived. */
    private void replay(CachedResponse cached) {
        boolean head = HttpMethod.HEAD.equals(request.method());
        HttpResponseStatus status = HttpResponseStatus.valueOf(cached.status());
        HttpHeaders h;
        if (!cached.streamed() || head) {
            FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    head ? Unpooled.EMPTY_BUFFER : cached.content());
            h = full.headers();
            cached.copyHeadersTo(h);
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, cached.bodyLength());
            applyCacheHeaders(h, cached);
            sendLocal(full, false);
            return;
        }
        DefaultHttpResponse response = new DefaultHttpResponse(request.protocolVersion(), status);
        replayedStream = true;
        h = response.headers();
        cached.copyHeadersTo(h);
        h.remove(HttpHeaderNames.CONTENT_LENGTH);
        HttpUtil.setTransferEncodingChunked(response, true);
        applyCacheHeaders(h, cached);
        h.set(ProxyHeaders.X_REQUEST_ID, requestId);
        if (origin != null) {
            engine.policy.applyCorsHeaders(origin, h);
        }
        overheadNanos += System.nanoTime() - markNanos;
        h.set(ProxyHeaders.X_OVERHEAD_US, Long.toString(overheadNanos / 1000));
        applyRateLimitHeaders(h);
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        sentStatus = cached.status();
        if (capture != null) {
            capture.onResponseHead(sentStatus, h);
        }
        ctx.write(response, ctx.voidPromise());
        for (ByteBuf event : cached.chunks()) {
            if (firstByteNanos < 0) {
                firstByteNanos = System.nanoTime();
            }
            if (capture != null) {
                capture.onResponseContent(event);
            }
            ctx.writeAndFlush(new DefaultHttpContent(event), ctx.voidPromise());
        }
        ChannelFuture done = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        if (!keepAlive) {
            done.addListener(ChannelFutureListener.CLOSE);
        }
        finish();
    }

    private void applyCacheHeaders(HttpHeaders h, CachedResponse cached) {
        Instant now = Instant.now();
        h.set(HttpHeaderNames.DATE, HttpDates.format(now));
        h.set(HttpHeaderNames.AGE, Long.toString(CachePolicy.age(now, cached)));
        h.set(CacheStatus.X_PROXY_CACHE, cacheStatus.label());
        h.set(CacheStatus.X_PROXY_CACHE_KEY, cacheKey.toString());
        h.set(CacheStatus.CACHE_STATUS, cacheStatus.cacheStatus());
    }

    private void forwardUpstream(AuthResult auth) {
        prepareUpstreamRequest(auth == null ? engine.settings.upstreamApiKey() : auth.project().apiKey());
        if (engine.eventBus != null || engine.usage != null) {
            recorder = new ExchangeRecorder(engine.eventBus, engine.settings.eventMaxRequestBodyBytes(),
                    engine.settings.eventMaxResponseBodyBytes(), startNanos, requestId, request.method().name(), path,
                    upstreamHeaders, body);
            if (auth != null) {
                recorder.onAuthorized(auth.project().id(), auth.token().id());
            }
        }
        targetIndex = engine.selectTarget(0);
        acquire(true);
    }

    private void answerPreflight() {
        PreflightResult result = engine.policy.preflight(request.headers());
        if (!result.allowed()) {
            respond(result.violation().error(), result.violation().message(), false);
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(result.status()), Unpooled.EMPTY_BUFFER);
        response.headers().set(result.headers());
        sendLocal(response, false);
    }

    /**
     * Builds the upstream head once (a retry reuses it): hop-by-hop and client-IP headers are
     * dropped, the real peer address is added, and the client's credentials are replaced by the
     * upstream key.
     */
    private void prepareUpstreamRequest(String upstreamKey) {
        HttpHeaders h = request.headers();
        ProxyHeaders.stripHopByHop(h);
        ProxyHeaders.stripClientIpHeaders(h);
        h.remove(HttpHeaderNames.EXPECT); // the body is already here
        h.remove(HttpHeaderNames.HOST);
        String peer = peerAddress(ctx.channel().remoteAddress());
        if (peer != null) {
            h.set(ProxyHeaders.X_FORWARDED_FOR, peer);
            h.set(ProxyHeaders.X_REAL_IP, peer);
        }
        if (upstreamKey != null) {
            h.set(HttpHeaderNames.AUTHORIZATION, BEARER + upstreamKey);
        }
        h.set(ProxyHeaders.X_REQUEST_ID, requestId);
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.readableBytes());
        if (body == null && !HttpMethod.POST.equals(request.method()) && !HttpMethod.PUT.equals(request.method())
                && !HttpMethod.PATCH.equals(request.method())) {
            h.remove(HttpHeaderNames.CONTENT_LENGTH);
        }
        upstreamHeaders = h;
        upstreamUri = RequestTargets.originForm(request.uri());
    }

    // ---------------------------------------------------------------- upstream connection

    private void acquire(boolean mayUsePool) {
        UpstreamTarget target = engine.targets[targetIndex];
        UpstreamPool.LoopPool pool = engine.pool.forLoop(ctx.channel().eventLoop());
        Channel pooled = mayUsePool ? pool.poll(target) : null;
        if (pooled != null) {
            reusedConnection = true;
            attach(pooled, target);
            return;
        }
        reusedConnection = false;
        long now = System.nanoTime();
        overheadNanos += now - markNanos;
        pool.connect(target, ctx.channel()).addListener((ChannelFuture f) -> onConnected(f, target, pool));
    }

    private void onConnected(ChannelFuture f, UpstreamTarget target, UpstreamPool.LoopPool pool) {
        markNanos = System.nanoTime();
        if (finished) {
            // The client left while we were connecting: keep the fresh connection for the next request.
            if (f.isSuccess()) {
                pool.release(target, f.channel());
            }
            return;
        }
        if (f.isSuccess()) {
            attach(f.channel(), target);
            return;
        }
        target.breaker.onFailure(markNanos, "connect failed");
        connectFailures++;
        if (connectFailures < engine.targets.length) {
            // Nothing was sent, so moving to the next upstream is always safe.
            targetIndex = engine.selectTarget((targetIndex + 1) % engine.targets.length);
            acquire(true);
            return;
        }
        Throwable cause = f.cause();
        // The client learns that the upstream is unreachable; the operator's log gets where and why
        // (upstream addresses and socket errors are internal details).
        log.warn("request {}: no upstream reachable; last tried {}: {}", requestId, target,
                cause == null ? "unknown" : cause.toString());
        respond(ProxyError.UPSTREAM_UNAVAILABLE, "Upstream unavailable: the provider could not be reached", false);
    }

    private void attach(Channel ch, UpstreamTarget target) {
        upstreamChannel = ch;
        upstream = ch.pipeline().get(UpstreamHandler.class);
        upstream.bind(this);
        requestWritten = false;
        upstreamHeaders.set(HttpHeaderNames.HOST, target.hostHeader);
        if (recorder != null) {
            recorder.onUpstream(target);
        }
        if (capture != null) {
            capture.onUpstreamRequest(target.key + upstreamUri, upstreamHeaders);
        }
        FullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), upstreamUri,
                body == null ? Unpooled.EMPTY_BUFFER : body.retainedDuplicate(), upstreamHeaders,
                EmptyHttpHeaders.INSTANCE);
        overheadNanos += System.nanoTime() - markNanos;
        UpstreamHandler boundHandler = upstream;
        ch.writeAndFlush(out).addListener((ChannelFuture f) -> {
            if (upstream != boundHandler || finished) {
                return; // this attempt is already over
            }
            if (f.isSuccess()) {
                requestWritten = true;
                boundHandler.armResponseHeaderTimeout(engine.responseHeaderTimeoutNanos, engine.idleBetweenChunksNanos);
            } else {
                boundHandler.unbind();
                onUpstreamFailure(boundHandler, new UpstreamException("could not send the request upstream: "
                        + f.cause().getMessage(), f.cause()));
            }
        });
    }

    // ---------------------------------------------------------------- response side (from UpstreamHandler)

    void onResponseHead(HttpResponse response) {
        long headArrived = System.nanoTime();
        responseStarted = true;
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        int code = response.status().code();
        if (code >= 500) {
            upstream.target().breaker.onFailure(headArrived, "HTTP " + code);
        } else {
            upstream.target().breaker.onSuccess();
        }
        HttpHeaders h = response.headers();
        ProxyHeaders.stripHopByHop(h);
        String upstreamId = h.get(ProxyHeaders.X_REQUEST_ID);
        if (upstreamId != null && !upstreamId.equals(requestId)) {
            h.set(X_UPSTREAM_REQUEST_ID, upstreamId);
        }
        h.set(ProxyHeaders.X_REQUEST_ID, requestId);
        if (cacheKey != null && cacheMayStore && response.status().code() / 100 == 2) {
            // Before our own headers go on: a stored answer must not carry this request's id or timing.
            cacheHeaders = h.copy();
            cacheCapture = new BodyCapture((int) Math.min(Integer.MAX_VALUE, engine.cachePolicy.maxObjectBytes()));
        }
        if (cacheStatus != null) {
            h.set(CacheStatus.X_PROXY_CACHE, cacheStatus.label());
            if (cacheKey != null) {
                h.set(CacheStatus.X_PROXY_CACHE_KEY, cacheKey.toString());
            }
            h.set(CacheStatus.CACHE_STATUS, cacheStatus.cacheStatus());
        }
        if (!HttpUtil.isContentLengthSet(response) && mayHaveBody(response)) {
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
                closeClientAfterResponse = true; // HTTP/1.0 has no chunked encoding: end by closing
            } else {
                HttpUtil.setTransferEncodingChunked(response, true);
            }
        }
        if (!keepAlive || closeClientAfterResponse) {
            closeClientAfterResponse = true;
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        response.setProtocolVersion(request.protocolVersion());
        if (origin != null) {
            engine.policy.applyCorsHeaders(origin, h);
        }
        overheadNanos += System.nanoTime() - headArrived;
        h.set(ProxyHeaders.X_OVERHEAD_US, Long.toString(overheadNanos / 1000));
        applyRateLimitHeaders(h);
        if (recorder != null) {
            recorder.onResponseHead(response);
        }
        if (capture != null) {
            capture.onResponseHead(response.status().code(), h);
        }
        sentStatus = response.status().code();
        upstreamAnswered = true;
        ctx.write(response, ctx.voidPromise());
    }

    void onResponseContent(HttpContent content) {
        if (recorder != null) {
            recorder.onResponseContent(content.content()); // before the write hands the buffer on
        }
        if (capture != null) {
            capture.onResponseContent(content.content());
        }
        if (firstByteNanos < 0 && content.content().isReadable()) {
            firstByteNanos = System.nanoTime();
        }
        if (cacheCapture != null && content.content().isReadable()) {
            Captures.append(cacheCapture, content.content());
        }
        if (!(content instanceof LastHttpContent)) {
            ctx.write(content, ctx.voidPromise());
            if (!ctx.channel().isWritable()) {
                // The client reads slower than the upstream writes: stop reading upstream until
                // ProxyHandler.channelWritabilityChanged says the client caught up.
                upstream.pauseReads();
            }
            return;
        }
        ChannelFuture written = ctx.writeAndFlush(content);
        releaseUpstream();
        record(null, 0);
        storeInCache();
        if (closeClientAfterResponse) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
        finish();
    }

    void onResponseReadComplete() {
        ctx.flush();
    }

    void resumeUpstreamReads() {
        UpstreamHandler u = upstream;
        if (u != null) {
            u.resumeReads();
        }
    }

    /** The upstream connection failed or closed; {@code from} has already forgotten this exchange. */
    void onUpstreamFailure(UpstreamHandler from, UpstreamException failure) {
        if (from != upstream) {
            return;
        }
        Channel failed = upstreamChannel;
        upstream = null;
        upstreamChannel = null;
        failed.close();
        if (finished) {
            return;
        }
        if (!responseStarted) {
            boolean retry = reusedConnection && !staleRetried && (!requestWritten || isIdempotent(request.method()));
            if (retry) {
                // A pooled connection the upstream had already closed: the request never reached
                // it (or is safe to repeat), so try once more on a fresh connection.
                staleRetried = true;
                markNanos = System.nanoTime();
                acquire(false);
                return;
            }
            if (requestWritten) {
                record("upstream_error", ProxyError.UPSTREAM_UNAVAILABLE.status());
            }
            from.target().breaker.onFailure(System.nanoTime(), "connection failed before a response");
            log.warn("request {}: upstream {} failed: {}", requestId, from.target(), failure.getMessage());
            respond(ProxyError.UPSTREAM_UNAVAILABLE, "Upstream error: the provider closed the connection or sent an"
                    + " invalid response", false);
            return;
        }
        record("upstream_error", 0);
        from.target().breaker.onFailure(System.nanoTime(), "connection failed mid-response");
        // Part of the response is already with the client; the only honest signal left is to
        // end the connection so the client sees a truncated response, not a complete one.
        ctx.flush();
        ctx.close();
        finish();
    }

    void onUpstreamTimeout(UpstreamHandler from, String message) {
        if (from != upstream) {
            return;
        }
        Channel timedOut = upstreamChannel;
        upstream = null;
        upstreamChannel = null;
        timedOut.close();
        if (finished) {
            return;
        }
        record("upstream_timeout", ProxyError.UPSTREAM_TIMEOUT.status());
        from.target().breaker.onFailure(System.nanoTime(), "timeout");
        if (!responseStarted) {
            respond(ProxyError.UPSTREAM_TIMEOUT, "Upstream timeout: " + message, false);
        } else {
            ctx.flush();
            ctx.close();
            finish();
        }
    }

    /** The client connection closed: cancel the upstream request at once. */
    void clientGone() {
        if (finished) {
            return;
        }
        Channel ch = upstreamChannel;
        if (ch != null) {
            upstream.unbind();
            upstream = null;
            upstreamChannel = null;
            ch.close(); // closing is the only way to cancel an HTTP/1.1 request in flight
        }
        if (requestWritten) {
            record("client_cancelled", 499);
        }
        finish();
    }

    /** Stores a completely received answer when the policy allows it; never fails the request. */
    private void storeInCache() {
        BodyCapture capture = cacheCapture;
        cacheCapture = null;
        if (capture == null) {
            return;
        }
        Instant now = Instant.now();
        CachePolicy.StoreDecision decision = engine.cachePolicy.storeDecision(request.method(), request.headers(),
                sentStatus, cacheHeaders, capture.totalBytes(), !capture.truncated(), now);
        if (!decision.store()) {
            return;
        }
        Body stored = capture.toBody();
        byte[] bytes = new byte[stored.size()];
        stored.asReadOnlyBuffer().get(bytes);
        boolean streamed = Captures.isEventStream(cacheHeaders);
        try {
            engine.responseCache.put(cacheKey, CachedResponse.of(sentStatus, cacheHeaders, bytes, streamed, now,
                    decision.ttl()));
            engine.metrics.cache("stored");
        } catch (RuntimeException e) {
            log.warn("storing request {} in the cache failed: {}", requestId, e.toString());
        }
    }

    /** Publishes the instrumentation event, once. */
    private void record(String outcome, int statusWithoutResponse) {
        if (capture != null && outcome != null) {
            capture.onOutcome(outcome);
        }
        ExchangeRecorder r = recorder;
        if (r != null) {
            recorder = null;
            this.outcome = outcome;
            this.completedRecorder = r;
            r.end(outcome, statusWithoutResponse); // the rest happens off the loop, in finish()
        }
    }

    private void releaseUpstream() {
        Channel ch = upstreamChannel;
        UpstreamHandler h = upstream;
        upstream = null;
        upstreamChannel = null;
        if (ch == null) {
            return;
        }
        h.unbind();
        if (upstreamKeepAlive && requestWritten) {
            h.pool().release(h.target(), ch);
        } else {
            ch.close();
        }
    }

    // ---------------------------------------------------------------- local answers

    private void respondTooLarge() {
        respond(ProxyError.REQUEST_TOO_LARGE, "Request body exceeds the limit of "
                + engine.settings.maxRequestBodyBytes() + " bytes", true);
    }

    /**
     * Answers locally with the OpenAI error envelope. {@code close} is required whenever part of
     * the request body is still unread, because the connection cannot be reused then.
     */
    private void respond(ProxyError error, String message, boolean close) {
        if (!finished) {
            engine.metrics.proxyError(error);
            if (capture != null) {
                capture.onProxyError(error.code(), message);
            }
            localError = error;
        }
        FullHttpResponse response = ErrorResponses.of(ctx.alloc(), error, message, requestId);
        sendLocal(response, close);
    }

    private void sendLocal(FullHttpResponse response, boolean close) {
        if (finished) {
            response.release();
            return;
        }
        HttpHeaders h = response.headers();
        h.set(ProxyHeaders.X_REQUEST_ID, requestId);
        if (origin != null && !preflight) {
            engine.policy.applyCorsHeaders(origin, h);
        }
        overheadNanos += System.nanoTime() - markNanos;
        h.set(ProxyHeaders.X_OVERHEAD_US, Long.toString(overheadNanos / 1000));
        applyRateLimitHeaders(h);
        boolean closeAfter = close || !keepAlive;
        if (closeAfter) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        response.setProtocolVersion(request.protocolVersion());
        sentStatus = response.status().code();
        if (capture != null) {
            capture.onResponseHead(sentStatus, h);
            capture.onResponseContent(response.content()); // before the write releases it
        }
        ChannelFuture f = ctx.writeAndFlush(response);
        if (close) {
            LingeringClose.closeAfter(f); // refused mid-request: the client may still be sending
        } else if (closeAfter) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        finish();
    }

    private void finish() {
        if (finished) {
            return;
        }
        finished = true;
        long now = System.nanoTime();
        if (sentStatus != 0) {
            engine.metrics.requestCompleted(sentStatus, now - startNanos,
                    firstByteNanos < 0 ? -1 : firstByteNanos - startNanos, upstreamAnswered);
        }
        if (capture != null) {
            capture.complete(sentStatus, cacheStatus == null ? null : cacheStatus.label());
            capture = null;
        }
        UsageSink usage = preflight ? null : engine.usage;
        if (completedRecorder != null) {
            completeOffLoop(completedRecorder, usage, now);
        } else if (usage != null) {
            recordUsage(usage, now);
        }
        if (body != null) {
            body.release();
            body = null;
        }
        handler.exchangeFinished(this);
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Hands the usage facts of an exchange answered without the upstream (cache hit, proxy error)
     * to the sink: references to copies already taken, no parsing here (the usage writer's thread
     * does that). Requests that ended before anything was answered or sent upstream (a client gone
     * during the token lookup) leave no record. Upstream exchanges go through {@link #completeOffLoop}.
     */
    private void recordUsage(UsageSink usage, long now) {
        int status = sentStatus;
        if (status == 0) {
            return;
        }
        try {
            int length = body == null ? 0 : body.readableBytes();
            int kept = Math.min(length, engine.settings.eventMaxRequestBodyBytes());
            Body requestBody = Body.of(kept == 0 ? null : io.netty.buffer.ByteBufUtil.getBytes(body, body.readerIndex(),
                    kept, false), kept < length);
            boolean streamed = replayedStream;
            boolean hit = cacheStatus == CacheStatus.HIT || cacheStatus == CacheStatus.CONDITIONAL_HIT;
            long ttft = !hit ? -1 : firstByteNanos >= 0 ? firstByteNanos - startNanos : now - startNanos;
            usage.record(new UsageObservation(requestId, Instant.now().minusNanos(now - startNanos), projectId, tokenId,
                    request.method().name(), path, requestBody, status, streamed, usageCacheStatus(), now - startNanos,
                    ttft, localError != null ? localError.code() : outcome, null));
        } catch (RuntimeException e) {
            log.warn("could not record usage of request {}: {}", requestId, e.toString());
        }
    }

    /**
     * An exchange that reached the upstream: the event (parse, redaction, publish), the token
     * metrics and the usage observation are finished on {@link ExchangeCompletions}' thread. Only
     * what the loop knows cheaply is taken here; the job reads the recorder, which nothing
     * touches any more.
     */
    private void completeOffLoop(ExchangeRecorder r, UsageSink usage, long now) {
        dev.llmproxy.core.metrics.ProxyMetrics metrics = engine.metrics;
        if (usage == null) {
            engine.completions.submit(() -> r.complete(metrics, false));
            return;
        }
        String id = requestId;
        Instant timestamp = Instant.now().minusNanos(now - startNanos);
        String project = projectId;
        String token = tokenId;
        String method = request.method().name();
        String requestPath = path;
        int status = sentStatus != 0 ? sentStatus : 499; // 499: the client left before any answer
        String cache = usageCacheStatus();
        long latency = now - startNanos;
        String errorCode = localError != null ? localError.code() : outcome;
        engine.completions.submit(() -> {
            UsageObservation.Upstream up = r.complete(metrics, true);
            try {
                boolean streamed = r.requestedStream() || up != null && up.eventStream();
                usage.record(new UsageObservation(id, timestamp, project, token, method, requestPath, r.requestBody(),
                        status, streamed, cache, latency, r.ttftNanos(streamed), errorCode, up, r.preread()));
            } catch (RuntimeException e) {
                log.warn("could not record usage of request {}: {}", id, e.toString());
            }
        });
    }

    private String usageCacheStatus() {
        if (cacheStatus == null) {
            return "NONE";
        }
        return switch (cacheStatus) {
            case HIT, CONDITIONAL_HIT -> "HIT";
            case BYPASS -> "BYPASS";
            default -> "MISS";
        };
    }

    /** OpenAI-style {@code x-ratelimit-*} headers, and {@code Retry-After} on a refusal. */
    private void applyRateLimitHeaders(HttpHeaders h) {
        RateLimitDecision d = rateLimit;
        if (d == null) {
            return;
        }
        h.set(X_RATELIMIT_LIMIT, Integer.toString(d.limit()));
        h.set(X_RATELIMIT_REMAINING, Integer.toString(d.remaining()));
        h.set(X_RATELIMIT_RESET, Math.max(0, (d.resetMillis() + 999) / 1000) + "s");
        if (!d.allowed()) {
            h.set(HttpHeaderNames.RETRY_AFTER, Long.toString(d.retryAfterSeconds()));
        }
    }

    private boolean mayHaveBody(HttpResponse response) {
        int code = response.status().code();
        return !HttpMethod.HEAD.equals(request.method()) && code >= 200 && code != 204 && code != 304;
    }

    private static boolean isIdempotent(HttpMethod m) {
        return HttpMethod.GET.equals(m) || HttpMethod.HEAD.equals(m) || HttpMethod.OPTIONS.equals(m)
                || HttpMethod.PUT.equals(m) || HttpMethod.DELETE.equals(m);
    }

    private static String peerAddress(SocketAddress address) {
        if (address instanceof InetSocketAddress) {
            InetSocketAddress inet = (InetSocketAddress) address;
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return null;
    }
}
