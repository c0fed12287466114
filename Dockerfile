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
USER 65532:65532
# SQLite database, audit log and file event logs (./data relative to /app).
VOLUME ["/app/data"]
ENV LISTEN_ADDR=0.0.0.0:8080
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health || exit 1
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/llm-proxy.jar"]
CMD ["server"]
