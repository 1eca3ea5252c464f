/**
 * deploy/kubernetes/ without a cluster: the manifests are parsed and held to
 * what deploy/kubernetes/README.md promises (an Indexed Job whose index is
 * the shard, as many pods as shards, one shared volume, a merge Job whose
 * glob finds every shard), the scenario in the ConfigMap is validated by the
 * real CLI, and the Jobs' commands are run locally as the pods would run them.
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ROOT } from "./_helpers.ts";

const DIR = join(ROOT, "deploy/kubernetes");

// deno-lint-ignore no-explicit-any
type Manifest = Record<string, any>;

async function manifests(): Promise<Map<string, Manifest>> {
  const found = new Map<string, Manifest>();
  for await (const entry of Deno.readDir(DIR)) {
    if (!entry.name.endsWith(".yaml")) continue;
    const text = await Deno.readTextFile(join(DIR, entry.name));
    for (const doc of parseAllDocuments(text)) {
      assert.deepEqual(doc.errors, [], `${entry.name} is valid YAML`);
      const m = doc.toJS() as Manifest;
      const key = `${m.kind}/${m.metadata.name}`;
      assert.ok(!found.has(key), `${key} is defined once`);
      found.set(key, { ...m, file: entry.name });
    }
  }
  return found;
}

const ALL = await manifests();

function get(key: string): Manifest {
  const m = ALL.get(key);
  assert.ok(m, `deploy/kubernetes defines ${key}`);
  return m;
}

const SHARDS = get("Job/tensile-shards");
const MERGE = get("Job/tensile-merge");
const PVC = get("PersistentVolumeClaim/tensile-results");
const CONFIG = get("ConfigMap/tensile-scenario");

function container(job: Manifest): Manifest {
  const containers = job.spec.template.spec.containers;
  assert.equal(containers.length, 1);
  return containers[0];
}

/** The tensile arguments a container runs (after `tensile`). */
function tensileArgs(job: Manifest): string[] {
  const c = container(job);
  const command: string[] = c.command;
  if (command[0] === "tensile") return [...command.slice(1), ...(c.args ?? [])];
  assert.deepEqual(command.slice(0, 2), ["sh", "-c"]);
  const script = command[2];
  // `tensile "$@"` with the args, or one command line in the script.
  if (script.startsWith('tensile "$@"')) return c.args;
  const line = script.match(/^tensile ([^;&|]+)$/);
  assert.ok(line, `a single tensile command: ${script}`);
  return line[1].trim().split(/\s+/);
}

function flag(args: string[], name: string): string {
  const at = args.indexOf(name);
  assert.ok(
    at >= 0 && at + 1 < args.length,
    `${name} <value> in ${args.join(" ")}`,
  );
  return args[at + 1];
}

/** The mount of the volume that is `source` (a PVC or a ConfigMap name). */
function mountOf(job: Manifest, source: string): string {
  const spec = job.spec.template.spec;
  const volume = spec.volumes.find((v: Manifest) =>
    v.persistentVolumeClaim?.claimName === source ||
    v.configMap?.name === source
  );
  assert.ok(volume, `${job.metadata.name} has a volume for ${source}`);
  const mount = container(job).volumeMounts.find((m: Manifest) =>
    m.name === volume.name
  );
  assert.ok(mount, `${job.metadata.name} mounts ${volume.name}`);
  return mount.mountPath;
}

Deno.test("the shards Job is Indexed, one pod per shard, all at once", () => {
  const spec = SHARDS.spec;
  assert.equal(spec.completionMode, "Indexed");
  const shard = flag(tensileArgs(SHARDS), "--shard");
  const match = shard.match(/^\$\(JOB_COMPLETION_INDEX\)\/(\d+)$/);
  assert.ok(match, `--shard $(JOB_COMPLETION_INDEX)/n, got ${shard}`);
  const n = Number(match[1]);
  assert.equal(spec.completions, n);
  assert.equal(spec.parallelism, n);
  assert.equal(spec.template.spec.restartPolicy, "Never");
  assert.equal(tensileArgs(SHARDS)[0], "run");
});

Deno.test("the shards Job declares JOB_COMPLETION_INDEX from the completion index", () => {
  const env = container(SHARDS).env.find((e: Manifest) =>
    e.name === "JOB_COMPLETION_INDEX"
  );
  assert.equal(
    env?.valueFrom?.fieldRef?.fieldPath,
    "metadata.annotations['batch.kubernetes.io/job-completion-index']",
  );
});

Deno.test("shards write where the merge Job's glob reads, on one ReadWriteMany volume", () => {
  assert.ok(PVC.spec.accessModes.includes("ReadWriteMany"));
  const claim = PVC.metadata.name;
  const mount = mountOf(SHARDS, claim);
  assert.equal(mountOf(MERGE, claim), mount, "both Jobs mount it alike");

  const args = tensileArgs(SHARDS);
  const n = SHARDS.spec.completions;
  const out = flag(args, "--out");
  assert.ok(out.startsWith(`${mount}/`), `--out ${out} is on the volume`);
  assert.ok(out.includes("$(JOB_COMPLETION_INDEX)"), "one folder per shard");

  const merge = tensileArgs(MERGE);
  assert.equal(merge[0], "merge");
  const inputs = merge.slice(1, merge.indexOf("--out"));
  assert.equal(inputs.length, 1, "one glob");
  const glob = new RegExp(
    `^${
      inputs[0].replace(/[.+?^${}()|[\]\\]/g, "\\$&").replaceAll("*", "[^/]*")
    }$`,
  );
  for (let i = 0; i < n; i++) {
    const file = `${
      out.replaceAll("$(JOB_COMPLETION_INDEX)", String(i))
    }/result.json`;
    assert.match(file, glob, `the glob finds shard ${i}`);
  }
  const mergedOut = flag(merge, "--out");
  assert.ok(mergedOut.startsWith(`${mount}/`));
  assert.doesNotMatch(
    `${mergedOut}/result.json`,
    glob,
    "the merge never reads itself",
  );
});

Deno.test("the shards read the ConfigMap's scenario, which tensile validates", async () => {
  const [key, ...more] = Object.keys(CONFIG.data);
  assert.deepEqual(more, []);
  const mount = mountOf(SHARDS, CONFIG.metadata.name);
  assert.equal(tensileArgs(SHARDS)[1], `${mount}/${key}`);
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, key);
    await Deno.writeTextFile(file, CONFIG.data[key]);
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}main.ts`, "validate", file],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(stderr);
    assert.equal(code, 0, text);
    assert.match(new TextDecoder().decode(stdout), /^ok /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("both Jobs run the same image, whose Dockerfile installs tensile", async () => {
  const image = container(SHARDS).image;
  assert.equal(container(MERGE).image, image);
  const dockerfile = await Deno.readTextFile(join(DIR, "Dockerfile"));
  assert.match(dockerfile, /\/usr\/local\/bin\/tensile/);
  // The Dockerfile's build command tags the image the Jobs name.
  assert.ok(dockerfile.includes(`-t ${image} `), `Dockerfile builds ${image}`);
  for (const job of [SHARDS, MERGE]) {
    const command: string[] = container(job).command;
    assert.ok(command[0] === "tensile" || /^tensile /.test(command[2]));
  }
});

Deno.test("the README applies every manifest and fills the shared start time", async () => {
  const readme = await Deno.readTextFile(join(DIR, "README.md"));
  for (const m of new Set([...ALL.values()].map((m) => m.file))) {
    assert.ok(
      readme.includes(`deploy/kubernetes/${m}`),
      `README.md applies ${m}`,
    );
  }
  const startAt = flag(tensileArgs(SHARDS), "--start-at");
  assert.equal(startAt, "__START_AT__");
  assert.match(
    readme,
    /sed "s\/__START_AT__\/\$START_AT\/" deploy\/kubernetes\/shards-job\.yaml/,
  );
  assert.match(
    readme,
    /kubectl wait --for=condition=complete job\/tensile-shards/,
  );
  assert.match(readme, /docker build -t tensile:/);
});

/**
 * The pods' commands, run here as local processes: `/results` is a temp
 * folder, `$(JOB_COMPLETION_INDEX)` each index, `__START_AT__` a time
 * ahead, the ConfigMap's scenario a file and `tensile` the local CLI (the
 * smoke profile keeps it short).
 */
Deno.test({
  name: "the Jobs' commands run and merge locally",
  async fn() {
    const root = await Deno.makeTempDir();
    const local = (arg: string, index?: number) =>
      arg.replaceAll("/results", join(root, "results"))
        .replaceAll("/scenarios", join(root, "scenarios"))
        .replaceAll("$(JOB_COMPLETION_INDEX)", String(index));
    const tensile = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--v8-flags=--expose-gc",
          `${ROOT}main.ts`,
          ...args,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
    try {
      await Deno.mkdir(join(root, "scenarios"));
      for (const [key, text] of Object.entries(CONFIG.data)) {
        await Deno.writeTextFile(join(root, "scenarios", key), text as string);
      }
      const start = new Date(Date.now() + 5_000).toISOString();
      const shards = await Promise.all(
        Array.from({ length: SHARDS.spec.completions }, (_, i) =>
          tensile(
            tensileArgs(SHARDS).map((arg) =>
              arg === "__START_AT__"
                ? start
                : arg === "ci"
                ? "smoke"
                : local(arg, i)
            ),
          )),
      );
      for (const shard of shards) {
        assert.ok(shard.code <= 1, new TextDecoder().decode(shard.stderr));
      }
      // The merge's glob, expanded as sh would.
      const merge = tensileArgs(MERGE).map((arg) => local(arg));
      const glob = merge[1];
      const files: string[] = [];
      for await (const entry of Deno.readDir(join(root, "results"))) {
        if (entry.name.startsWith("shard-")) {
          files.push(join(root, "results", entry.name, "result.json"));
        }
      }
      assert.ok(glob.endsWith("/shard-*/result.json"));
      const merged = await tensile([
        merge[0],
        ...files.sort(),
        ...merge.slice(2),
      ]);
      assert.ok(merged.code <= 1, new TextDecoder().decode(merged.stderr));
      const artifact = JSON.parse(
        await Deno.readTextFile(join(root, "results/merged/result.json")),
      );
      assert.equal(artifact.scenarios.length, 1);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
