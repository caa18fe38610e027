defmodule Bad.MixProject do
  use Mix.Project
  def project, do: [app: :bad, version: "0.1.0", deps: [{:ok, "~> 1.0"}, {:needs_ghost, "~> 2.0"}]]
end
