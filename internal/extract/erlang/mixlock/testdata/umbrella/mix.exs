# Hand-made umbrella project: the apps' dependencies are in apps/*/mix.exs.
defmodule Shop.Umbrella.MixProject do
  use Mix.Project

  def project do
    [
      apps_path: "apps",
      version: "0.1.0",
      start_permanent: Mix.env() == :prod,
      deps: deps()
    ]
  end

  defp deps do
    [{:credo, "~> 1.4", only: [:dev, :test], runtime: false}]
  end
end
