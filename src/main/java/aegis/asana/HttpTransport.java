package aegis.asana;

import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.core.exception.AcquirePermissionCancelledException;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.micronaut.core.type.Argument;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.client.HttpClient;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

/**
 * The transport policy for one HTTP service, shared by the Asana client and the LLM agent: per
 * call the circuit breaker, then the read (GET) or write bulkhead; per attempt the Retry-After
 * gate and the rate limiter (each only where {@link TransportLimits} has it), then the request.
 * A 429 is retried for every call (the service did not apply it); a 5xx or no answer only for an
 * {@link Retry#IDEMPOTENT} call; waits follow {@link TransportPolicy}. An interrupt cancels the
 * request in flight and ends the call with {@link InterruptedException}.
 */
public final class HttpTransport implements AutoCloseable {
    private static final Argument<byte[]> BYTES = Argument.of(byte[].class);

    /** What a call may be retried on. */
    public enum Retry {
        /** Sending it again changes nothing: a 429, a 5xx and no answer are all retried. */
        IDEMPOTENT,
        /** A 5xx or no answer may mean it was applied: only a 429 is retried. */
        ONLY_429,
        /**
         * Paid for each time it is received (an LLM call): any error answer is retried (the service
         * said no and bills nothing), and no answer only when the request never left (no connection);
         * a timeout or a connection lost after sending may have been received and billed: not retried.
         */
        UNLESS_RECEIVED
    }

    /** One call: a JSON body (or none), headers, and whether it may be repeated. */
    public record Request(HttpMethod method, String uri, Map<String, String> headers, byte[] body, Retry retry) {
        /** Method and path, without the query: what messages and logs name. */
        public String describe() {
            int q = uri.indexOf('?');
            return method + " " + (q < 0 ? uri : uri.substring(0, q));
        }
    }

    /**
     * The answer a call ended with: a success, or the error status that ended its retries.
     * {@code retryAfter}: for a 429, the wait it asked for (after the policy's default and cap).
     */
    public record Response(int status, byte[] body, Duration retryAfter) {
        public boolean isSuccess() {
            return status >= 200 && status < 300;
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** One attempt's result: an answer (status, body, Retry-After header), or the failure that left none. */
    private record Attempt(int status, byte[] body, String retryAfter, Throwable failure) {
    }

    private final HttpClient http;
    private final TransportPolicy policy;
    private final TransportLimits limits;

    /** {@code http} is closed with this transport. */
    public HttpTransport(HttpClient http, TransportPolicy policy, TransportLimits limits) {
        this.http = http;
        this.policy = policy;
        this.limits = limits;
    }

    public TransportPolicy policy() {
        return policy;
    }

    /**
     * Sends {@code request} until it is answered with a success or an error not to retry, or the
     * policy (or {@code listener}) says to stop: the last answer is returned whatever its status.
     *
     * @throws TransportException when there is no answer to return
     */
    public Response exchange(Request request, AttemptListener listener) throws InterruptedException {
        CircuitBreaker breaker = limits.circuitBreaker();
        if (breaker != null && !breaker.tryAcquirePermission()) {
            throw new TransportException.CircuitOpen("circuit breaker " + breaker.getName()
                    + " is open after repeated failures; " + request.describe() + " not sent");
        }
        Bulkhead bulkhead = request.method() == HttpMethod.GET ? limits.reads() : limits.writes();
        if (bulkhead != null) {
            try {
                bulkhead.acquirePermission();
            } catch (BulkheadFullException | AcquirePermissionCancelledException e) {
                release(breaker);
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted before " + request.describe());
                }
                throw new TransportException.Saturated("too many concurrent calls (" + bulkhead.getName() + "); "
                        + request.describe() + " not sent");
            }
        }
        long start = System.nanoTime();
        try {
            Response r = attempts(request, listener);
            if (breaker != null) {
                breaker.onResult(System.nanoTime() - start, TimeUnit.NANOSECONDS, r);
            }
            return r;
        } catch (TransportException.NoAnswer e) {
            if (breaker != null) {
                breaker.onError(System.nanoTime() - start, TimeUnit.NANOSECONDS, e);
            }
            throw e;
        } catch (InterruptedException | RuntimeException e) {
            // Stopped on our side (interrupt, limiter): says nothing about the service's health.
            release(breaker);
            throw e;
        } finally {
            if (bulkhead != null) {
                bulkhead.onComplete();
            }
        }
    }

    private Response attempts(Request request, AttemptListener listener) throws InterruptedException {
        RetryAfterGate gate = limits.gate();
        int failures = 0;
        int limited = 0;
        for (int attempt = 1; ; attempt++) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted before " + request.describe());
            }
            listener.starting(attempt);
            long heldFrom = System.nanoTime();
            awaitPermit(request, listener, heldFrom);
            Duration held = Duration.ofNanos(System.nanoTime() - heldFrom);
            Attempt a = send(request);
            int status = a.failure() == null ? a.status() : 0;
            Duration wait = policy.waitAfter(status, a.retryAfter(), attempt);
            boolean again;
            if (status == 429) {
                if (gate != null) {
                    // Closed first: every other caller must stop before anything else is done here.
                    gate.closeFor(wait);
                }
                again = ++limited < policy.max429s();
            } else {
                again = retriable(request.retry(), status, a.failure()) && ++failures < policy.maxFailures();
            }
            Response response = status == 0 ? null : new Response(status, a.body(), status == 429 ? wait : null);
            if (response == null) {
                listener.noAnswer(attempt, held, a.failure());
            } else {
                listener.answered(attempt, held, response);
                if (response.isSuccess()) {
                    return response;
                }
            }
            if (!again || attempt >= policy.maxAttempts() || !listener.retrying(attempt, wait, status)) {
                if (response != null) {
                    return response;
                }
                throw new TransportException.NoAnswer("no answer to " + request.describe() + ": "
                        + a.failure().getClass().getSimpleName(), a.failure());
            }
            // Behind a shared gate a 429's wait is the gate's, for every caller; any other wait is this call's.
            if (status != 429 || gate == null) {
                Thread.sleep(wait.toMillis());
            }
        }
    }

    private static boolean retriable(Retry retry, int status, Throwable failure) {
        return switch (retry) {
            case IDEMPOTENT -> status == 0 || status >= 500;
            case ONLY_429 -> false;
            case UNLESS_RECEIVED -> status >= 500 || status == 0 && neverSent(failure);
        };
    }

    /** The failure happened before the request could leave: no connection was made. */
    static boolean neverSent(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof java.net.NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }

    private void awaitPermit(Request request, AttemptListener listener, long heldFrom) throws InterruptedException {
        RetryAfterGate gate = limits.gate();
        if (gate != null) {
            gate.awaitOpen();
        }
        RateLimiter limiter = limits.rateLimiter();
        if (limiter == null) {
            return;
        }
        if (!limiter.acquirePermission()) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted before " + request.describe());
            }
            listener.throttled(Duration.ofNanos(System.nanoTime() - heldFrom));
            throw new TransportException.Throttled("client-side rate limit: no permit within "
                    + limiter.getRateLimiterConfig().getTimeoutDuration() + " for " + request.describe(),
                    gate == null ? Duration.ZERO : gate.remaining());
        }
        if (gate != null) {
            // A 429 may have arrived while this thread waited for its permit.
            gate.awaitOpen();
        }
    }

    /** One attempt, as a reactive exchange that an interrupt abandons (cancelling the request). */
    private Attempt send(Request request) throws InterruptedException {
        MutableHttpRequest<Object> req = HttpRequest.create(request.method(), request.uri())
                .accept(MediaType.APPLICATION_JSON_TYPE);
        request.headers().forEach(req::header);
        if (request.body() != null) {
            req.contentType(MediaType.APPLICATION_JSON_TYPE).body(request.body());
        }
        CompletableFuture<HttpResponse<byte[]>> answer = new CompletableFuture<>();
        AtomicReference<Subscription> subscription = new AtomicReference<>();
        try {
            http.exchange(req, BYTES, BYTES).subscribe(new Subscriber<HttpResponse<byte[]>>() {
                @Override
                public void onSubscribe(Subscription s) {
                    subscription.set(s);
                    s.request(1);
                }

                @Override
                public void onNext(HttpResponse<byte[]> r) {
                    answer.complete(r);
                }

                @Override
                public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    answer.completeExceptionally(new HttpClientException("closed without answering"));
                }
            });
            return attempt(answer.get(policy.connectTimeout().plus(policy.readTimeout()).toMillis(),
                    TimeUnit.MILLISECONDS));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return cause instanceof HttpClientResponseException r ? attempt(r.getResponse())
                    : failed(cause);
        } catch (HttpClientException e) {
            return failed(e);
        } catch (TimeoutException e) {
            cancel(subscription);
            return failed(e);
        } catch (InterruptedException e) {
            cancel(subscription);
            throw e;
        }
    }

    private static Attempt attempt(HttpResponse<?> r) {
        byte[] body = r.getBody(byte[].class).orElse(new byte[0]);
        return new Attempt(r.code(), body, r.getHeaders().get("Retry-After"), null);
    }

    private static Attempt failed(Throwable cause) {
        return new Attempt(0, null, null, cause);
    }

    private static void cancel(AtomicReference<Subscription> subscription) {
        Subscription s = subscription.get();
        if (s != null) {
            s.cancel();
        }
    }

    private static void release(CircuitBreaker breaker) {
        if (breaker != null) {
            breaker.releasePermission();
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
