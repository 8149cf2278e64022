"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { fieldText } from "@/lib/form-data";
import { ApiError, valetApi } from "@/lib/upload-client";

export function SetupForm({ initialToken }: { initialToken: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const token = fieldText(new FormData(event.currentTarget), "token");
    setError(null);
    setIsBusy(true);
    try {
      await valetApi.claimAdmin(token);
      router.replace("/admin");
      router.refresh();
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "Something went wrong. Try again.");
    } finally {
      setIsBusy(false);
    }
  }

  return (
    <form
      onSubmit={(event) => void onSubmit(event)}
      className="space-y-4 rounded-xl border border-slate-200 bg-white p-4 dark:border-slate-700 dark:bg-slate-900"
    >
      {error ? <Alert>{error}</Alert> : null}
      <Field
        id="token"
        name="token"
        label="Setup token"
        defaultValue={initialToken}
        autoComplete="off"
        spellCheck={false}
        required
        hint="From the line “Valet has no administrator yet” in the server log."
      />
      <Button type="submit" disabled={isBusy}>
        {isBusy ? "Please wait…" : "Become the administrator"}
      </Button>
    </form>
  );
}
