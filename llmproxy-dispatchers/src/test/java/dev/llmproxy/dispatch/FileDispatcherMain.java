package dev.llmproxy.dispatch;

import dev.llmproxy.eventbus.ComponentConfig;
import dev.llmproxy.eventbus.EventBus;
import dev.llmproxy.eventbus.EventBusConfig;
import dev.llmproxy.eventbus.EventBuses;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A file dispatcher process for {@link CrashRecoveryTest}: reads a Redis stream and appends to a
 * JSONL file until killed. Arguments: {@code REDIS_ADDR STREAM_KEY CONSUMER FILE BATCH_SIZE
 * [HANG_AFTER MARKER]}. Prints {@code READY} once subscribed.
 *
 * <p>With {@code HANG_AFTER} = n, the n-th batch is written and forced to disk like any other,
 * then the service thread stops inside {@code send} before the batch is reported accepted, after
 * creating the {@code MARKER} file: the process is then, deterministically, in the middle of a
 * batch (written, not acknowledged) for the test to kill.
 */
public final class FileDispatcherMain {

    private FileDispatcherMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EventBus bus = EventBuses.load("redis-streams", ComponentConfig.of(Map.of(
                EventBusConfig.REDIS_ADDR, args[0],
                EventBusConfig.REDIS_STREAM_KEY, args[1],
                EventBusConfig.REDIS_STREAM_BLOCK_TIME, "200ms")));
        Dispatcher file = Dispatchers.load("file", ComponentConfig.of(Map.of(DispatcherConfig.FILE, args[3])));
        if (args.length > 5) {
            file = hangingAfter(file, Integer.parseInt(args[5]), Path.of(args[6]));
        }
        DispatcherService service = DispatcherService.builder().name("file").bus(bus).dispatcher(file)
                .consumer(args[2]).batchSize(Integer.parseInt(args[4])).flushInterval(Duration.ofMillis(50))
                .build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            service.stop(Duration.ofSeconds(5));
            bus.close(Duration.ofSeconds(2));
            stopped.countDown();
        }));
        System.out.println("READY");
        System.out.flush();
        stopped.await();
    }

    private static Dispatcher hangingAfter(Dispatcher delegate, int batches, Path marker) {
        AtomicInteger sent = new AtomicInteger();
        return new Dispatcher() {
            @Override
            public CompletionStage<DispatchResult> send(List<DispatchEvent> batch) {
                CompletionStage<DispatchResult> result = delegate.send(batch);
                if (sent.incrementAndGet() == batches) {
                    result.toCompletableFuture().join(); // written and fsynced
                    try {
                        // Written aside and moved into place: the test polls for the marker and must
                        // never see it existing but still empty.
                        Path partial = marker.resolveSibling(marker.getFileName() + ".partial");
                        Files.writeString(partial, batch.size() + "\n");
                        Files.move(partial, marker, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                        Thread.sleep(Long.MAX_VALUE); // never reports it: no ack
                    } catch (Exception e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return result;
            }

            @Override
            public void close() {
                delegate.close();
            }
        };
    }
}
