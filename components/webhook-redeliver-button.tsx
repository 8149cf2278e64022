"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";

import { Button } from "@/components/ui/button";
import { ApiError, valetApi } from "@/lib/upload-client";

export function WebhookRedeliverButton({ deliveryId }: { deliveryId: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);

  async function redeliver() {
    setIsBusy(true);
    setError(null);
    try {
      await valetApi.redeliverWebhook(deliveryId);
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Could not queue the delivery again.");
    }
    setIsBusy(false);
  }

  return (
    <div className="space-y-1">
      <Button variant="secondary" className="px-2.5 py-1.5 text-xs" onClick={() => void redeliver()} disabled={isBusy}>
        {isBusy ? "Queuing…" : "Redeliver"}
      </Button>
      {error ? (
        <p role="alert" className="text-xs text-red-700 dark:text-red-300">
          {error}
        </p>
      ) : null}
    </div>
  );
}
