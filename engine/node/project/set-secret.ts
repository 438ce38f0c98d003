import path from "node:path";
import { newId } from "../../common/model/node.ts";
import { loadProject, saveProject } from "./project-files.ts";
import { SecretBox } from "./secrets.ts";

/**
 * Sets a secret setting of a project: creates the Setting when missing, marks it secret, stores
 * the value encrypted with the workspace key (the project folder's parent is the workspace).
 */
export async function setProjectSecret(
  projectDir: string,
  name: string,
  value: string,
  env = process.env,
): Promise<void> {
  const dir = path.resolve(projectDir);
  const project = await loadProject(dir);
  if (project.errors.length) {
    throw new Error(
      `The project cannot be saved safely: ${project.errors.map((e) => `${e.location?.file}:${e.location?.line ?? "?"}: ${e.message}`).join("; ")}`,
    );
  }
  const box = await SecretBox.open(path.dirname(dir), env);
  const encrypted = await box.encrypt(value);
  let setting = project.root.children.find((c) => c.type === "Setting" && c.name === name);
  if (!setting) {
    setting = { id: newId(), type: "Setting", name, props: {}, children: [] };
    const firstOther = project.root.children.findIndex((c) => c.type !== "Setting");
    project.root.children.splice(firstOther < 0 ? project.root.children.length : firstOther, 0, setting);
  }
  setting.props.secret = true;
  setting.props.value = encrypted;
  await saveProject(project);
}
