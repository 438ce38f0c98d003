/** The app runtime (issue 18): its modules are exported from here as they land. */
export {};
