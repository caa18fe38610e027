source "https://rubygems.example"
gem "rack"
gem "minitest", group: :test
