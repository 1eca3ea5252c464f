/**
 * Test helper: a load-worker entry serving only the `workflow` target, so
 * tests can run it through the real engine before (and independent of) its
 * registration in `src/components/mod.ts`.
 * @module
 */
import { serveWorker } from "../../../engine/mod.ts";
import { workflowTarget } from "../ops.ts";

serveWorker({ [workflowTarget.name]: workflowTarget });
