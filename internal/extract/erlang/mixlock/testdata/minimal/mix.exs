# Hand-made: the kinds of dependency declarations mix.exs files hold.
defmodule Example.MixProject do
  use Mix.Project

  @version "0.1.0"

  def project do
    [
      app: :example,
      version: @version,
      description: """
      An example with {:not_a_dep, "1.0"} in a heredoc and #{@version}.
      """,
      start_permanent: Mix.env() == :prod,
      deps: deps()
    ]
  end

  def application, do: [extra_applications: [:logger], mod: {Example.Application, []}]

  # {:commented_out, "~> 1.0"}
  defp deps do
    [
      {:plug, "~> 1.10"},
      {:jason, "~> 1.2", optional: true},
      {:acme_auth, "~> 2.0", organization: "acme"},
      {:my_yaml, "~> 2.4", hex: :yaml_elixir},
      {:credo, "~> 1.4", only: [:dev, :test], runtime: false},
      {:ex_doc, ">= 0.0.0", only: :docs},
      {:tzdata, git: "https://github.com/lau/tzdata.git", tag: "v1.0.3"},
      {:gettext, "~> 0.18", only: Mix.env()}
    ]
  end
end
