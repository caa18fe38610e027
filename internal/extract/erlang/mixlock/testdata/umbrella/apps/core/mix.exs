defmodule Core.MixProject do
  use Mix.Project

  def project, do: [app: :core, version: "0.1.0", lockfile: "../../mix.lock", deps: deps()]

  defp deps, do: [{:decimal, "~> 1.8"}]

  defp unused, do: [{:not_a_dep, "~> 1.0"}]
end
