defmodule Web.MixProject do
  use Mix.Project

  def project do
    [app: :web, version: "0.1.0", build_path: "../../_build", lockfile: "../../mix.lock", deps: deps()]
  end

  defp deps() do
    [
      {:core, in_umbrella: true},
      {:plug_cowboy, "~> 2.0"}
    ]
  end
end
