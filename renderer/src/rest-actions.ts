import { api } from "./api.ts";
import { generateMessage } from "./rest-try.ts";
import { mutate, notify } from "./store.ts";

/**
 * "Generate REST API from sequences" (the project's and the REST API's menu, the property panel's
 * button): the engine adds the operations as one undoable change, which selects what was added.
 */
export function generateRestApi(project: string): Promise<unknown> {
  return mutate(async () => {
    const r = await api.generateRestApi(project);
    notify(generateMessage(project, r), "info");
    return r;
  }, project);
}
