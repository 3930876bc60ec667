-- The W3C traceparent of the span that enqueued a job or published an event, so the job's run
-- (and the jobs an event becomes) continue the trace of the request that caused them. NULL when
-- tracing is off or the producer had no span.
ALTER TABLE platform.jobs ADD COLUMN trace_parent text;
ALTER TABLE platform.outbox ADD COLUMN trace_parent text;
