import assert from "node:assert/strict";
import { AckLog, readAckLog } from "./ack_log.ts";

Deno.test("AckLog appends lines that readAckLog() reads back", async () => {
  const path = await Deno.makeTempFile({ prefix: "tensile-acks-" });
  try {
    {
      using log = AckLog.open(path, { sync: true });
      log.append({ e: "o-1", v: 1, t: 1, m: 1 });
      log.append({ e: "o-1", v: 2, t: 2, m: 2 });
      assert.equal(log.count, 2);
    }
    {
      using again = AckLog.open(path); // appends, never truncates
      again.append({ e: "o-2", v: 1, t: 3, m: 3 });
    }
    const { acks, torn } = readAckLog(path);
    assert.equal(torn, false);
    assert.deepEqual(acks.map((a) => `${a.e}@${a.v}`), [
      "o-1@1",
      "o-1@2",
      "o-2@1",
    ]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("readAckLog() leaves out a line cut short by a crash", async () => {
  const path = await Deno.makeTempFile({ prefix: "tensile-acks-" });
  try {
    await Deno.writeTextFile(
      path,
      '{"e":"o-1","v":1,"t":1,"m":1}\n{"e":"o-1","v":2,',
    );
    const { acks, torn } = readAckLog(path);
    assert.equal(torn, true);
    assert.equal(acks.length, 1);
    await Deno.writeTextFile(path, "not json\n");
    assert.throws(() => readAckLog(path), /line 1 is not JSON/);
  } finally {
    await Deno.remove(path);
  }
});
