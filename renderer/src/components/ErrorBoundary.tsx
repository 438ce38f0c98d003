import { Component, type ReactNode } from "react";

/** Shows a fault of the Studio's own code instead of a blank page; the work is on disk already. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error?: Error }> {
  override state: { error?: Error } = {};

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="loading" role="alert">
        <p>The Studio hit a fault: {this.state.error.message}</p>
        <p>Every change was saved to the project files as it was made.</p>
        <button type="button" onClick={() => location.reload()}>
          Reload the Studio
        </button>
      </div>
    );
  }
}
