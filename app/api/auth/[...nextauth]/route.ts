// Auth.js: CSRF token, credentials sign-in callback, session, sign-out.
export { GET, POST } from "@/lib/server/auth-handlers";
