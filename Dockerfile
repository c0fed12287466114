# syntax=docker/dockerfile:1
# llm-proxy: build with the Maven wrapper on a JDK, run on a JRE as a non-root user.
#
#   docker build -t llm-proxy .
#   docker run -p 8080:8080 -v llm-proxy-data:/app/data -e MANAGEMENT_TOKEN=... llm-proxy
#
# Without a Docker engine, `./mvnw -B -Pimage -pl llmproxy-server -am package -DskipTests` builds an
# equivalent image tarball with Jib (see docs/container.md).

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
# ~/.m2 is a build cache mount: dependencies are downloaded once, not on every source change.
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q -pl llmproxy-server -am package -DskipTests \
 && cp llmproxy-server/target/llm-proxy.jar /llm-proxy.jar

FROM eclipse-temurin:17-jre
# curl for the health check only.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 65532 llmproxy \
 && useradd --system --uid 65532 --gid 65532 --home-dir /app --shell /usr/sbin/nologin llmproxy \
 && mkdir -p /app/data \
 && chown -R llmproxy:llmproxy /app
WORKDIR /app
COPY --from=build /llm-proxy.jar /app/llm-proxy.jar
COPY config/ /app/config/
# Class Data Sharing (docs/performance.md#start-up): one training start of the server, here with
# the image's own JVM and the jar at its final path (an archive fits only the JVM build and the jar
# it was made with), records the classes it loads into /app/llm-proxy.jsa when it stops. Every
# container start then maps them instead of reading and verifying them again: about half the CPU
# time of a start. Should the training fail, the image is still built and starts without it.
# (This base is JDK 17; on a JDK 25+ base, -XX:AOTCacheOutput= here and -XX:AOTCache= in the entry
# point would make and use an AOT cache instead, as the ./llm-proxy launcher does there.)
RUN dir=$(mktemp -d) \
 && (LISTEN_ADDR=127.0.0.1:18080 DATABASE_PATH="$dir/cds.db" AUDIT_LOG_FILE="$dir/audit.log" \
     MANAGEMENT_TOKEN=cds-training-only LOG_LEVEL=warn java -XX:MaxRAMPercentage=75 \
     -XX:ArchiveClassesAtExit=/app/llm-proxy.jsa \
     -Xlog:cds=off -Xlog:cds+dynamic=off -jar /app/llm-proxy.jar server >"$dir/server.log" 2>&1 & \
     pid=$!; \
     for i in $(seq 1 300); do curl -fs -o /dev/null http://127.0.0.1:18080/health && break; sleep 0.2; done; \
     curl -s -o /dev/null -H 'Authorization: Bearer cds-training-only' http://127.0.0.1:18080/manage/projects; \
     curl -s -o /dev/null -X POST -H 'Authorization: Bearer sk-training' -H 'Content-Type: application/json' \
       -d '{"model":"gpt-4o-mini","messages":[]}' http://127.0.0.1:18080/v1/chat/completions; \
     kill "$pid"; wait "$pid"; true) \
 && (test -s /app/llm-proxy.jsa || (echo "no CDS archive made; containers start without one" && cat "$dir/server.log")) \
 && rm -rf "$dir"
USER 65532:65532
# SQLite database, audit log and file event logs (./data relative to /app).
VOLUME ["/app/data"]
ENV LISTEN_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health || exit 1
# -Xlog:cds=off: without a usable archive the JVM just starts without one, silently.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:SharedArchiveFile=/app/llm-proxy.jsa", "-Xlog:cds=off", \
            "-Xlog:cds+dynamic=off", "-jar", "/app/llm-proxy.jar"]
CMD ["server"]
