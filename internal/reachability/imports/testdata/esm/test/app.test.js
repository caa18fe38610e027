import { describe, it } from "vitest";
import { App } from "../src/App";

describe("App", () => it("renders", () => App));
