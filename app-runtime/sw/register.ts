/**
 * The app's side of its service worker (design §7.5): registers `sw.js` for the app's folder and
 * tells an open page when a new build's worker has taken over (a deploy while the app was open),
 * so the app can offer to reload.
 */

export interface ServiceWorkerHandle {
  /** The registration (null where service workers are unavailable: not a secure context). */
  registration: ServiceWorkerRegistration | null;
  /** Asks the server whether a new build is there (the browser also does on page loads). */
  checkForUpdate(): Promise<void>;
}

/**
 * Registers `<base>sw.js` with the scope `<base>` (the app's folder, `/apps/<Project>/`).
 * `onNewBuild` is called when a new build's worker takes over a page that another one controlled
 * (never at the first visit, where the first worker takes over an uncontrolled page).
 */
export async function registerServiceWorker(
  base: string,
  onNewBuild: () => void,
  nav: Navigator = navigator,
): Promise<ServiceWorkerHandle> {
  const container = nav.serviceWorker;
  if (!container) return { registration: null, checkForUpdate: async () => {} };
  let controlled = container.controller !== null;
  container.addEventListener("controllerchange", () => {
    if (controlled) onNewBuild();
    controlled = true;
  });
  const registration = await container.register(`${base}sw.js`, { scope: base });
  return {
    registration,
    async checkForUpdate() {
      await registration.update();
    },
  };
}
