import yaml
x = """never closed
