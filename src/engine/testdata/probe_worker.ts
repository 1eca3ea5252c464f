import { builtinTarget } from "../../components/builtin/ops.ts";
import { serveWorker } from "../mod.ts";
import { probeTarget } from "./probe_target.ts";

serveWorker({ builtin: builtinTarget, probe: probeTarget });
