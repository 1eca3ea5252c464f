import { calibrateTarget } from "../../components/calibrate/mod.ts";
import { serveWorker } from "../mod.ts";
import { probeTarget } from "./probe_target.ts";

serveWorker({ calibrate: calibrateTarget, probe: probeTarget });
