// The mobile app's flow, written against types generated from openapi/openapi.json
// (`npm test` generates them and type-checks this file under `tsc --strict`).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "../generated/schema";

type Schemas = components["schemas"];
export type Problem = Schemas["ProblemDetails"];
export type Platform = Schemas["Platform"];

const EVERY_PLATFORM: Platform[] = [
  "x",
  "facebook",
  "instagram",
  "tiktok",
  "whatsapp",
  "telegram",
  "threads",
];

/** What the app shows when a call fails: the problem's own words. */
export function say(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => e.field ?? "").filter(Boolean);
  return fields.length ? `${problem.detail} (${fields.join(", ")})` : problem.detail;
}

/** Exhaustive over the age groups: a new group would not compile here. */
export function ageLabel(group: Schemas["AgeGroup"]): string {
  switch (group) {
    case "kids":
      return "Anak";
    case "teens":
      return "Remaja";
    case "adults":
      return "Dewasa";
  }
}

export function goalUnit(goal: Schemas["Goal"]): string {
  switch (goal) {
    case "books":
      return "buku";
    case "pages":
      return "halaman";
    case "minutes":
      return "menit";
    case "reviews":
      return "ulasan";
  }
}

export interface FlowReport {
  member: Schemas["MemberPublic"];
  points: number;
  replayedSameLog: boolean;
  batchOutcomes: Schemas["BatchItemResult"]["outcome"][];
  streak: number;
  earnedBadges: string[];
  boardEntries: number;
  sharedTo: Platform[];
  pngBytes: number;
  challengesJoined: number;
}

export async function runFlow(baseUrl: string, email: string, library = "palu"): Promise<FlowReport | Problem> {
  let accessToken = "";
  const client = createClient<paths>({ baseUrl });
  const bearer: Middleware = {
    onRequest({ request }) {
      if (accessToken) request.headers.set("Authorization", `Bearer ${accessToken}`);
      return request;
    },
  };
  client.use(bearer);

  // Register, then sign in with the OAuth2 password form.
  const registered = await client.POST("/v1/auth/register", {
    body: {
      email,
      password: "rahasia-sekali-123",
      display_name: "Sari",
      birth_year: 2008,
      library,
      language: "id",
    },
  });
  if (registered.error) return registered.error;
  const member = registered.data.member;

  const signedIn = await client.POST("/v1/auth/token", {
    body: { username: email, password: "rahasia-sekali-123", grant_type: "password" },
    bodySerializer: (form) => new URLSearchParams(form as Record<string, string>).toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
  });
  if (signedIn.error) return signedIn.error;
  accessToken = signedIn.data.access_token;
  const refreshToken: string | null = signedIn.data.refresh_token;
  void refreshToken;

  // Log reading with an Idempotency-Key, then replay it: the same log comes back.
  const body: Schemas["ReadingLogCreate"] = {
    book: { title: "Laskar Pelangi", author: "Andrea Hirata", genre: "novel" },
    pages: 30,
    finished: true,
    hashtags: ["#PerpustakaanPalu"],
  };
  const key = "log-0001";
  const first = await client.POST("/v1/reading-logs", {
    body,
    params: { header: { "Idempotency-Key": key } },
  });
  if (first.error) return first.error;
  const replay = await client.POST("/v1/reading-logs", {
    body,
    params: { header: { "Idempotency-Key": key } },
  });
  if (replay.error) return replay.error;
  const status: Schemas["LogStatus"] = first.data.log.status;
  void status;
  for (const progress of first.data.challenges) void goalUnit(progress.goal);

  // The offline queue: each item a log with its client_id; one result each.
  const bookId = first.data.log.book.id;
  const queued: Schemas["BatchItem"][] = [
    { client_id: "offline-1", book_id: bookId, minutes: 20, read_on: first.data.log.read_on },
    { client_id: "offline-2", book_id: bookId, pages: 12, minutes: 15 },
  ];
  const synced = await client.POST("/v1/reading-logs/batch", { body: { items: queued } });
  if (synced.error) return synced.error;
  for (const item of synced.data.items) {
    if (item.outcome === "error" && item.problem) console.warn(say(item.problem));
  }

  // Points, stats, badges.
  const points = await client.GET("/v1/me/points");
  if (points.error) return points.error;
  const stats = await client.GET("/v1/me/stats");
  if (stats.error) return stats.error;
  const badges = await client.GET("/v1/me/badges");
  if (badges.error) return badges.error;
  for (const badge of badges.data.locked) {
    for (const p of badge.progress) void `${p.metric}/${p.period}: ${p.label}`;
  }
  const earnedAt: (string | null)[] = badges.data.earned.map((b) => b.earned_at);
  void earnedAt;

  // Boards: the library's weekly board, by age group.
  const board = await client.GET("/v1/leaderboards", {
    params: { query: { scope: "library", period: "week", age_group: member.age_group, limit: 10 } },
  });
  if (board.error) return board.error;
  const me = board.data.me;
  if (me) void `${ageLabel(member.age_group)} #${me.rank}`;

  // Share the log to every platform, then fetch its PNG card.
  const shared = await client.POST("/v1/share", {
    body: { subject: { type: "reading_log", id: first.data.log.id }, platforms: EVERY_PLATFORM },
    params: { header: { "Idempotency-Key": "share-0001" } },
  });
  if (shared.error) return shared.error;
  const payloads = shared.data.payloads;
  const sharedTo = EVERY_PLATFORM.filter((p) => payloads[p] !== undefined);
  const whatsapp = payloads.whatsapp;
  if (whatsapp) void `${whatsapp.text} ${whatsapp.link_url} ${whatsapp.instructions ?? ""}`;
  const image = await client.GET("/v1/share/{share_id}/image", {
    params: { path: { share_id: shared.data.id }, query: { format: "story" } },
    parseAs: "blob",
  });
  if (image.error) return image.error;
  const png: Blob = image.data;

  // Challenges: the running ones, join, progress.
  const challenges = await client.GET("/v1/challenges", { params: { query: { status: "active" } } });
  if (challenges.error) return challenges.error;
  let joined = 0;
  for (const challenge of challenges.data.items) {
    if (challenge.me?.joined || !challenge.age_groups.includes(member.age_group)) continue;
    const join = await client.POST("/v1/challenges/{challenge_id}/join", {
      params: { path: { challenge_id: challenge.id } },
    });
    if (join.error) return join.error;
    const progress = await client.GET("/v1/challenges/{challenge_id}/progress", {
      params: { path: { challenge_id: challenge.id } },
    });
    if (progress.error) return progress.error;
    void `${progress.data.current}/${progress.data.target} ${goalUnit(challenge.goal)}`;
    joined += 1;
  }
  const next: string | null = challenges.data.next_cursor;
  void next;

  return {
    member,
    points: points.data.total,
    replayedSameLog: replay.data.log.id === first.data.log.id,
    batchOutcomes: synced.data.items.map((i) => i.outcome),
    streak: stats.data.current_streak,
    earnedBadges: badges.data.earned.map((b) => b.badge.name),
    boardEntries: board.data.entries.length,
    sharedTo,
    pngBytes: png.size,
    challengesJoined: joined,
  };
}
