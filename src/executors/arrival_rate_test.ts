import assert from "node:assert/strict";
import { constantArrivalRate } from "./constant_arrival_rate.ts";
import { type LoadInput, resolveLoad, schedule } from "./mod.ts";
import { rampingArrivalRate } from "./ramping_arrival_rate.ts";

function problems(load: LoadInput): string[] {
  const messages: string[] = [];
  const plan = resolveLoad(
    load,
    (path, message) => messages.push(`${path.join(".")}: ${message}`),
  );
  if (messages.length === 0) assert.ok(plan);
  return messages;
}

Deno.test("constantArrivalRate.resolve(): max_in_flight, else concurrency, else 100 is the plan's concurrency", () => {
  const inFlight = (load: { max_in_flight?: number; concurrency?: number }) =>
    constantArrivalRate.resolve(
      { executor: "constant-arrival-rate", rate: 5, duration: "1s", ...load },
      (_path, message) => assert.fail(message),
    )?.concurrency;
  assert.equal(inFlight({ max_in_flight: 7, concurrency: 3 }), 7);
  assert.equal(inFlight({ concurrency: 3 }), 3);
  assert.equal(inFlight({}), 100);
});

Deno.test("constantArrivalRate.resolve(): time_unit defaults to 1s", () => {
  const plan = constantArrivalRate.resolve(
    { executor: "constant-arrival-rate", rate: 50, duration: "2s" },
    (_path, message) => assert.fail(message),
  );
  assert.deepEqual(plan, {
    executor: "constant-arrival-rate",
    workers: 1,
    concurrency: 100,
    warmup: 0,
    seed: 1,
    max_duration_ms: 300_000,
    time_unit_ms: 1000,
    duration_ms: 2000,
    rate: 50,
  });
});

Deno.test("arrival-rate executors refuse what they would ignore, saying what to use", () => {
  assert.match(
    problems({ executor: "constant-arrival-rate", rate: 5 })[0],
    /needs "rate" and "duration"/,
  );
  assert.match(
    problems({
      executor: "constant-arrival-rate",
      rate: 5,
      duration: "1s",
      iterations: 4,
    })[0],
    /^load\.iterations: /,
  );
  assert.match(
    problems({ executor: "ramping-arrival-rate", duration: "1s" })[0],
    /needs "stages"/,
  );
  assert.match(
    problems({
      executor: "ramping-arrival-rate",
      stages: [{ duration: "1s", target: 5 }],
      duration: "1s",
    })[0],
    /^load\.duration: /,
  );
  assert.match(
    problems({
      executor: "ramping-arrival-rate",
      stages: [{ duration: "5m", target: 5 }],
    })[0],
    /^load\.max_duration: .*raise max_duration/,
  );
  assert.deepEqual(
    problems({
      executor: "ramping-arrival-rate",
      stages: [{ duration: "1s", target: 5 }],
    }),
    [],
  );
});

Deno.test("arrival-rate scale(): durations follow time, rates follow count ÷ time (the op total follows count)", () => {
  const smoke = { count: 0.1, time: 0.2 };
  assert.deepEqual(
    constantArrivalRate.scale(
      { executor: "constant-arrival-rate", rate: 100, duration: "10s" },
      smoke,
    ),
    { duration: "2000ms", rate: 50 },
  );
  assert.deepEqual(
    constantArrivalRate.scale(
      { executor: "constant-arrival-rate", rate: 100, duration: "10s" },
      { count: 1, time: 1 },
    ),
    {},
  );
  assert.deepEqual(
    rampingArrivalRate.scale({
      executor: "ramping-arrival-rate",
      start_rate: 10,
      stages: [{ duration: "10s", target: 100 }, { duration: "5s", target: 0 }],
    }, { count: 10, time: 10 }),
    {
      start_rate: 10,
      stages: [{ duration: "100000ms", target: 100 }, {
        duration: "50000ms",
        target: 0,
      }],
    },
  );
});

Deno.test("schedule() of an arrival-rate plan: each worker takes every n-th arrival of the whole schedule", () => {
  const plan = resolveLoad(
    { executor: "constant-arrival-rate", rate: 10, duration: "3s", workers: 4 },
    (_path, message) => assert.fail(message),
  )!;
  const claimed = new Int32Array(new SharedArrayBuffer(4));
  let sum = 0;
  for (let worker = 0; worker < 4; worker++) {
    const { arrivals } = schedule(plan, { claimed, now: 0, worker });
    assert.ok(arrivals);
    assert.equal(arrivals.first, worker);
    assert.equal(arrivals.step, 4);
    assert.equal(arrivals.maxInFlight, 100);
    sum += arrivals.count;
  }
  assert.equal(sum, 30);
  assert.equal(
    schedule({ ...plan, executor: "constant-workers" } as never, {
      claimed,
      now: 0,
    }).arrivals,
    undefined,
  );
});

Deno.test("arrival-rate scale(): smoke's half-second floor holds for the stages together, not each", () => {
  const smoke = { count: 0.1, time: 0.2 };
  const short = Array.from({ length: 20 }, () => ({
    duration: "200ms",
    target: 100,
  }));
  const scaled = rampingArrivalRate.scale({
    executor: "ramping-arrival-rate",
    start_rate: 10,
    stages: short,
  }, smoke).stages!;
  const ms = scaled.map((stage) => Number(stage.duration.replace("ms", "")));
  // 4 s as written, 800 ms scaled: above the floor, so no stretching, and
  // never longer than as written (each stage 40 ms, not 500).
  assert.deepEqual(new Set(ms), new Set([40]));
  const tiny = rampingArrivalRate.scale({
    executor: "ramping-arrival-rate",
    start_rate: 10,
    stages: [{ duration: "1s", target: 50 }, { duration: "500ms", target: 0 }],
  }, smoke).stages!;
  // 300 ms scaled is under the floor: both stretched alike to 500 ms total.
  assert.deepEqual(tiny.map((stage) => stage.duration), ["333ms", "167ms"]);
});
