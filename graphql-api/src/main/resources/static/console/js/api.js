// The console's only way to the server: the public GraphQL API, over HTTP for queries and
// mutations and over graphql-ws for subscriptions, with the operator's own API token. The console
// has no endpoint or privilege of its own.

const TOKEN_KEY = "firmament.console.token";

/** The token of this tab's session: kept in sessionStorage, so closing the tab signs out. */
export const session = {
  token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token.trim());
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** An error the API answered with: its message and its `extensions.code`. */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code || "ERROR";
  }
}

/** Runs a query or mutation; resolves to `data`, rejects with the first error as an ApiError. */
export async function graphql(query, variables = {}) {
  const token = session.token();
  let response;
  try {
    response = await fetch(new URL("../graphql", location.href), {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/graphql-response+json, application/json",
        ...(token ? { Authorization: "Bearer " + token } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new ApiError("The API cannot be reached: " + e.message, "UNAVAILABLE");
  }
  if (response.status === 401) {
    throw new ApiError("The token was refused: sign in again.", "UNAUTHENTICATED");
  }
  let body;
  try {
    body = await response.json();
  } catch (e) {
    throw new ApiError("The API answered HTTP " + response.status, "HTTP_" + response.status);
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    throw new ApiError(first.message, first.extensions && first.extensions.code);
  }
  return body.data;
}

/**
 * One graphql-ws connection (protocol `graphql-transport-ws`) shared by the page's
 * subscriptions. It connects with the token in `connection_init`, answers pings, and when the
 * connection drops it connects again after a short wait and subscribes every open subscription
 * again; each subscription's `onRestart` says so, so a page can fetch what it may have missed.
 */
export class Live {
  constructor() {
    this.subscriptions = new Map();
    this.nextId = 1;
    this.socket = null;
    this.acknowledged = false;
    this.closed = false;
    this.retryMs = 500;
    this.onStatus = () => {};
  }

  /** Subscribes; returns a function that ends the subscription. */
  subscribe(query, variables, { next, error = () => {}, complete = () => {}, onRestart = () => {} }) {
    const id = String(this.nextId++);
    this.subscriptions.set(id, { query, variables, next, error, complete, onRestart, started: false });
    this.connect();
    if (this.acknowledged) {
      this.start(id);
    }
    return () => {
      if (this.subscriptions.delete(id) && this.acknowledged) {
        this.send({ id, type: "complete" });
      }
    };
  }

  close() {
    this.closed = true;
    this.onStatus = () => {};
    this.subscriptions.clear();
    if (this.socket) {
      this.socket.close(1000, "page left");
    }
  }

  connect() {
    if (this.socket || this.closed) {
      return;
    }
    const url = new URL("../graphql-ws", location.href);
    url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(url, "graphql-transport-ws");
    this.socket = socket;
    socket.onopen = () => {
      socket.send(
        JSON.stringify({
          type: "connection_init",
          payload: { Authorization: "Bearer " + (session.token() || "") },
        }),
      );
    };
    socket.onmessage = (event) => this.receive(JSON.parse(event.data));
    socket.onclose = (event) => {
      this.socket = null;
      this.acknowledged = false;
      this.onStatus("disconnected");
      if (this.closed || this.subscriptions.size === 0) {
        return;
      }
      if (event.code === 4403 || event.code === 4401) {
        for (const s of this.subscriptions.values()) {
          s.error(new ApiError("The token was refused: sign in again.", "UNAUTHENTICATED"));
        }
        return;
      }
      for (const s of this.subscriptions.values()) {
        s.started = false;
      }
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10000);
    };
  }

  receive(message) {
    const s = this.subscriptions.get(message.id);
    switch (message.type) {
      case "connection_ack":
        this.acknowledged = true;
        this.retryMs = 500;
        this.onStatus("live");
        for (const id of this.subscriptions.keys()) {
          this.start(id);
        }
        break;
      case "ping":
        this.send({ type: "pong" });
        break;
      case "next":
        if (s) {
          if (message.payload.errors && message.payload.errors.length) {
            const first = message.payload.errors[0];
            s.error(new ApiError(first.message, first.extensions && first.extensions.code));
          } else {
            s.next(message.payload.data);
          }
        }
        break;
      case "error":
        if (s) {
          const first = (message.payload && message.payload[0]) || {};
          this.subscriptions.delete(message.id);
          s.error(new ApiError(first.message || "subscription refused", first.extensions && first.extensions.code));
        }
        break;
      case "complete":
        if (s) {
          this.subscriptions.delete(message.id);
          s.complete();
        }
        break;
      default:
        break;
    }
  }

  start(id) {
    const s = this.subscriptions.get(id);
    if (!s || s.started) {
      return;
    }
    const restart = s.everStarted;
    s.started = true;
    s.everStarted = true;
    this.send({ id, type: "subscribe", payload: { query: s.query, variables: s.variables } });
    if (restart) {
      s.onRestart();
    }
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }
}
