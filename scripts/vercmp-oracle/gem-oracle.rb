# RubyGems' own comparison (Gem::Version#<=>) for "A<TAB>B" lines: prints A, B and -1, 0, 1,
# or "error" where Gem::Version refuses either string.
$stdin.each_line do |line|
  a, b = line.chomp("\n").split("\t", 2)
  answer =
    if Gem::Version.correct?(a) && Gem::Version.correct?(b)
      (Gem::Version.new(a) <=> Gem::Version.new(b)).to_s
    else
      "error"
    end
  puts "#{a}\t#{b}\t#{answer}"
end
