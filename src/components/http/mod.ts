/**
 * The `http` target: load any HTTP/1.1 service with a raw keep-alive client,
 * or the built-in context server started for the run in its own process.
 * @module
 */
export { type HttpOptions, httpTarget, SERVER_DEFECTS } from "./ops.ts";
export {
  FAILURE_KINDS,
  type FailureKind,
  HttpClient,
  type HttpClientOptions,
  HttpFailure,
  type HttpRequest,
  type HttpResponse,
} from "./_client.ts";
export { Template, type TemplateContext } from "./_template.ts";
