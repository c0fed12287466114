package dev.llmproxy.core.capture;

/**
 * Counters of a {@link WireCapture} since it started.
 *
 * @param written           exchanges written to a file
 * @param droppedQueueFull  exchanges dropped because the writer queue was full
 * @param droppedWriteError exchanges lost to a write error, or not captured while capture was
 *                          paused after one
 * @param bytesWritten      bytes appended to capture files
 * @param filesRotated      files closed because they reached the size limit
 * @param filesDeleted      old files deleted to stay within the file count and total size bounds
 * @param queueDepth        exchanges waiting for the writer now
 * @param paused            whether capture is paused after a write error (it retries on its own)
 */
public record WireCaptureStats(long written, long droppedQueueFull, long droppedWriteError, long bytesWritten,
                               long filesRotated, long filesDeleted, int queueDepth, boolean paused) {

    /** Every exchange that was not captured. */
    public long dropped() {
        return droppedQueueFull + droppedWriteError;
    }
}
