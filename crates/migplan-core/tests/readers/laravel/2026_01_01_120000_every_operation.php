<?php

use Illuminate\Database\Migrations\Migration;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Support\Facades\DB;
use Illuminate\Support\Facades\Schema;

return new class extends Migration
{
    public function up(): void
    {
        Schema::create('accounts', function (Blueprint $table) {
            $table->increments('id');
            $table->string('name', 128);
            $table->integer('owner_id')->unsigned()->nullable();
            $table->foreign('owner_id')->references('id')->on('users')->onDelete('cascade');
            $table->decimal('balance', 18, 4)->default(0);
            $table->timestamps();
            $table->softDeletes();
        });

        Schema::table('users', function (Blueprint $table) {
            $table->string('nickname', 64)->nullable()->after('name');
            $table->text('bio')->nullable()->change();
            $table->renameColumn('full_name', 'display_name');
            $table->dropColumn(['legacy', 'old_flag']);
            $table->index(['email', 'created_at']);
        });

        if (Schema::hasColumn('users', 'tmp')) {
            Schema::table('users', function (Blueprint $table) {
                $table->dropColumn('tmp');
            });
        }

        DB::statement('UPDATE users SET nickname = display_name');
        DB::table('settings')->update(['version' => 2]);
    }

    public function down(): void
    {
        Schema::dropIfExists('accounts');
    }
};
