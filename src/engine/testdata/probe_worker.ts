import { builtinTarget } from "../../components/builtin/mod.ts";
import { serveWorker } from "../mod.ts";
import { probeTarget } from "./probe_target.ts";

serveWorker({ builtin: builtinTarget, probe: probeTarget });
