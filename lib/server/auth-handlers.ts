import "server-only";
import type { NextRequest } from "next/server";
import { handlers } from "./auth";

// Wrapped so the lazily-configured Auth.js instance is only touched per request, never at build.
export const GET = (req: NextRequest) => handlers.GET(req);
export const POST = (req: NextRequest) => handlers.POST(req);
