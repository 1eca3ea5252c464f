import assert from "node:assert/strict";
import { type Snapshot, StateStore } from "./state_store.ts";
import { FORMATS, RoundTrips } from "./_round_trip.ts";

function snapshot(): Snapshot {
  using store = new StateStore({ initial: { state: "IDLE" } });
  return store.set({
    state: "ACTIVE",
    reason: "start",
    context: { job: 7, tags: ["a", "b"] },
  }) as Snapshot;
}

Deno.test("RoundTrips.decode() gives back the snapshot encoded, in every format", () => {
  const trips = new RoundTrips(false);
  const original = snapshot();
  for (const format of FORMATS) {
    assert.ok(trips.encode(original, format) > 0);
    assert.deepEqual(trips.decode(original, format, true), original);
  }
  assert.deepEqual(trips.result(), {
    ok: true,
    detail: "2 decodes equalled their original",
  });
});

Deno.test("RoundTrips with the lossy-codec defect breaks codec_round_trip, naming format and version", () => {
  const trips = new RoundTrips(true);
  const original = snapshot();
  assert.equal(trips.decode(original, "binary", true).reason, "");
  const result = trips.result();
  assert.equal(result.ok, false);
  assert.equal(result.detail, "binary round trip of version 1 changed it");
});

Deno.test("RoundTrips.decode() without verify decodes but checks nothing", () => {
  const trips = new RoundTrips(true);
  trips.decode(snapshot(), "json", false);
  assert.deepEqual(trips.result(), {
    ok: true,
    detail: "1 decodes equalled their original",
  });
});

Deno.test("RoundTrips.decode() encodes each new version again, never serving an older one", () => {
  const trips = new RoundTrips(false);
  using store = new StateStore({ initial: { state: "IDLE" } });
  for (const state of ["ACTIVE", "IDLE", "ACTIVE"]) {
    const original = store.set({ state, reason: state }) as Snapshot;
    for (const format of FORMATS) {
      assert.deepEqual(trips.decode(original, format, true), original);
    }
  }
  assert.equal(trips.result().ok, true);
  trips.release();
});
